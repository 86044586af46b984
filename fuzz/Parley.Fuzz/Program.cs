using Parley.Fuzz;
using SharpFuzz;

// Parley.Fuzz list             the target names, one a line
// Parley.Fuzz seeds DIR        writes valid encodings made by the code into DIR/TARGET/
// Parley.Fuzz TARGET           the afl++ loop (under afl-fuzz), or one run on stdin (to replay a crash)
switch (args)
{
    case ["list"]:
        foreach (var target in FuzzTargets.All)
        {
            Console.WriteLine(target.Name);
        }

        return 0;
    case ["seeds", var directory]:
        SeedWriter.WriteAll(directory);
        return 0;
    case [var name] when FuzzTargets.Find(name) is { } target:
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    default:
        Console.Error.WriteLine("usage: Parley.Fuzz list | seeds DIR | TARGET (see fuzz/run.sh)");
        return 2;
}
