using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// A short, fixed job keeps bench/protocol-vs-libsignal.sh to a couple of minutes on a shared 2-core machine.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10))
    .WithOptions(ConfigOptions.JoinSummary);
if (args is ["--sizes"])
{
    Parley.Protocol.Benchmarks.MessageSizes.Print();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Parley.Protocol.Benchmarks.SessionBenchmarks).Assembly).Run(args, config);
