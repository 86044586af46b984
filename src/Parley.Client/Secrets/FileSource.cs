namespace Parley.Client.Secrets;

/// <summary>A file to share: its name (as the recipient will see it, before their sanitizing), size, media type and how to read it.</summary>
public sealed record FileSource(string Name, long Size, string Type, Func<Stream> Open)
{
    /// <summary>A file on disk: its last path component, current length and a media type guessed from its extension.</summary>
    public static FileSource FromPath(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"No such file: {path}", path);
        }

        var full = info.FullName;
        return new FileSource(info.Name, info.Length, MediaTypes.FromFileName(info.Name),
            () => new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous));
    }
}

/// <summary>A few common media types by extension; everything else is application/octet-stream.</summary>
public static class MediaTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".md"] = "text/markdown", [".csv"] = "text/csv", [".json"] = "application/json",
        [".xml"] = "application/xml", [".pdf"] = "application/pdf", [".zip"] = "application/zip",
        [".gz"] = "application/gzip", [".tar"] = "application/x-tar", [".7z"] = "application/x-7z-compressed",
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif",
        [".webp"] = "image/webp", [".svg"] = "image/svg+xml",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pem"] = "application/x-pem-file", [".key"] = "application/octet-stream",
    };

    public static string FromFileName(string name) =>
        ByExtension.TryGetValue(Path.GetExtension(name), out var type) ? type : ManifestFile.OctetStream;
}

/// <summary>Reads several sources one after another, checking that each yields exactly its declared size.</summary>
internal sealed class ConcatenatedStream(IReadOnlyList<FileSource> files) : Stream
{
    private int _index = -1;
    private Stream? _current;
    private long _leftInCurrent;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_current is null)
            {
                if (_index + 1 >= files.Count)
                {
                    return 0;
                }

                _index++;
                _current = files[_index].Open();
                _leftInCurrent = files[_index].Size;
            }

            if (_leftInCurrent == 0)
            {
                // The declared size is used up: the file must end here.
                var probe = new byte[1];
                var extra = await _current.ReadAsync(probe, cancellationToken).ConfigureAwait(false);
                await _current.DisposeAsync().ConfigureAwait(false);
                _current = null;
                if (extra != 0)
                {
                    throw Changed();
                }

                continue;
            }

            var n = await _current.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _leftInCurrent)], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw Changed();
            }

            _leftInCurrent -= n;
            return n;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
        }

        base.Dispose(disposing);
    }

    private InvalidDataException Changed() =>
        new($"The file '{files[_index].Name}' changed while it was being read: its size is no longer {files[_index].Size} bytes.");
}
