using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Parley.Client.Secrets;

// dotnet run -c Release --project bench/Parley.Client.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(SecretStreamThroughput).Assembly).Run(args,
    DefaultConfig.Instance
        .AddColumn(new ThroughputColumn()));

/// <summary>
/// Throughput of the secret format's file stream as the CLI runs it (SecretStreamEncryptor /
/// SecretStreamDecryptor over 64 KiB chunks), against the ceiling of raw AES-256-GCM over the same
/// chunks with no stream plumbing. Plaintext comes from a cheap in-memory source; the sealed stream
/// for decryption is read from a temporary file (page cache), as the CLI reads a download.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class SecretStreamThroughput
{
    private const int Chunk = SecretFormat.ChunkSize;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private string _sealedPath = "";

    [Params(256L * 1024 * 1024, 1024L * 1024 * 1024)]
    public long Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sealedPath = Path.Combine(Path.GetTempPath(), $"parley-bench-{Bytes}.sealed");
        using var encryptor = new SecretStreamEncryptor(new PatternStream(Bytes), Bytes, _key);
        using var file = File.Create(_sealedPath);
        encryptor.CopyTo(file, 1 << 20);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_sealedPath);

    [Benchmark(Description = "AES-256-GCM ceiling (64 KiB chunks, no streams)")]
    public void AesGcmCeiling()
    {
        using var gcm = new AesGcm(_key, 16);
        var plain = new byte[Chunk];
        var sealedChunk = new byte[Chunk];
        var tag = new byte[16];
        Span<byte> nonce = stackalloc byte[12];
        for (long done = 0, i = 0; done < Bytes; done += Chunk, i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(nonce[4..], i);
            gcm.Encrypt(nonce, plain, sealedChunk, tag);
        }
    }

    [Benchmark(Description = "encrypt: SecretStreamEncryptor → null")]
    public void Encrypt()
    {
        using var encryptor = new SecretStreamEncryptor(new PatternStream(Bytes), Bytes, _key);
        encryptor.CopyTo(Stream.Null, 128 * 1024);
    }

    [Benchmark(Description = "decrypt: file → SecretStreamDecryptor → null")]
    public void Decrypt()
    {
        using var decryptor = new SecretStreamDecryptor(File.OpenRead(_sealedPath), _key, Bytes);
        decryptor.CopyTo(Stream.Null, 128 * 1024);
    }

    /// <summary>A read-only stream of <c>length</c> bytes that costs next to nothing to produce.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill((byte)_position);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>MB/s of plaintext: the Bytes parameter over the mean time.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "Plaintext MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "plaintext megabytes (10^6) per second";

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        var bytes = (long)benchmarkCase.Parameters["Bytes"];
        return report?.ResultStatistics is { } stats
            ? (bytes / (stats.Mean / 1e9) / 1e6).ToString("0", System.Globalization.CultureInfo.InvariantCulture)
            : "-";
    }

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
