using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Parley.Testing;

/// <summary>
/// Debian's nginx running the repository's <c>deploy/nginx/parley.conf</c> in front of Parley nodes, over
/// TLS with a throwaway self-signed certificate for <c>localhost</c>. Only what must differ on a test
/// machine is swapped: the nodes in the upstream block, the ports, the server name and the certificate
/// paths. <see cref="CertificateFile"/> is the PEM a client trusts (<c>SSL_CERT_FILE</c> for a process).
/// </summary>
public sealed partial class NginxFront : IAsyncDisposable
{
    public const string NginxPath = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private NginxFront(Process process, DirectoryInfo directory, int port, string certificateFile)
    {
        _process = process;
        _directory = directory;
        Url = new Uri($"https://localhost:{port}/");
        CertificateFile = certificateFile;
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificateFile);
        SpkiSha256 = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>Base64 SHA-256 of the certificate's public key (what Chromium's <c>--ignore-certificate-errors-spki-list</c> takes).</summary>
    public string SpkiSha256 { get; }

    /// <summary>The proxy's HTTPS address (<c>https://localhost:PORT/</c>).</summary>
    public Uri Url { get; }

    /// <summary>The self-signed certificate (PEM) the proxy presents.</summary>
    public string CertificateFile { get; }

    /// <summary>nginx's error log so far (for failure messages).</summary>
    public string ErrorLog => File.Exists(Path.Combine(_directory.FullName, "error.log")) ? File.ReadAllText(Path.Combine(_directory.FullName, "error.log")) : "";

    /// <summary>
    /// An HTTP handler that trusts this proxy's certificate and no other (for in-process clients: REST, the
    /// relay socket's upgrade, the secrets API).
    /// </summary>
    public SocketsHttpHandler TrustingHandler()
    {
        var expected = X509CertificateLoader.LoadCertificateFromFile(CertificateFile).RawData;
        return new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(expected) },
        };
    }

    /// <summary>
    /// Starts nginx in front of <paramref name="nodes"/>; skips the test (fails under CI) when nginx is missing.
    /// With <paramref name="firstIsPrimary"/> the other nodes are nginx <c>backup</c> servers: everything goes
    /// to the first node until it fails, then to the others (a failover test knows whom the kill hits).
    /// </summary>
    public static async Task<NginxFront> StartAsync(IReadOnlyList<Uri> nodes, bool firstIsPrimary = false)
    {
        if (!File.Exists(NginxPath))
        {
            var reason = $"{NginxPath} is not installed. Run the tests with ./test.sh.";
            if (TestEnvironment.IsCi)
            {
                throw new InvalidOperationException("CI=true but " + reason);
            }

            Assert.Skip(reason);
        }

        var directory = Directory.CreateTempSubdirectory("parley-nginx-");
        var certificateFile = Path.Combine(directory.FullName, "cert.pem");
        var keyFile = Path.Combine(directory.FullName, "key.pem");
        WriteSelfSignedCertificate(certificateFile, keyFile);
        var httpsPort = FreePort();
        var httpPort = FreePort();
        File.WriteAllText(Path.Combine(directory.FullName, "parley.conf"),
            SiteFor(File.ReadAllText(RepoPaths.Combine("deploy", "nginx", "parley.conf")), nodes, httpPort, httpsPort, certificateFile, keyFile, firstIsPrimary));
        var mainConfig = Path.Combine(directory.FullName, "nginx.conf");
        File.WriteAllText(mainConfig, MainConfig(directory.FullName));

        var start = new ProcessStartInfo(NginxPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-p", directory.FullName, "-c", mainConfig, "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var front = new NginxFront(process, directory, httpsPort, certificateFile);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var stderr = await process.StandardError.ReadToEndAsync();
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {stderr}\n{front.ErrorLog}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, httpsPort);
                return front;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await front.DisposeAsync();
        throw new TimeoutException("nginx did not listen within 20 s: " + front.ErrorLog);
    }

    /// <summary>The deploy file with this machine's nodes, ports, name and certificate; every directive else as shipped.</summary>
    internal static string SiteFor(string site, IReadOnlyList<Uri> nodes, int httpPort, int httpsPort, string certificateFile, string keyFile,
        bool firstIsPrimary = false)
    {
        var upstream = string.Concat(nodes.Select((n, i) => $"    server 127.0.0.1:{n.Port} max_fails=1 fail_timeout=5s{(firstIsPrimary && i > 0 ? " backup" : "")};\n"));
        var result = Replace(site, UpstreamServers(), upstream, "the upstream's server lines");
        result = Replace(result, ListenLine("80"), $"    listen 127.0.0.1:{httpPort};\n", "listen 80");
        result = Replace(result, ListenLine(@"443 ssl http2"), $"    listen 127.0.0.1:{httpsPort} ssl http2;\n", "listen 443");
        result = Replace(result, ServerName(), "    server_name localhost;\n", "server_name", everyMatch: true);
        result = Replace(result, Directive("ssl_certificate"), $"    ssl_certificate {certificateFile};\n", "ssl_certificate");
        return Replace(result, Directive("ssl_certificate_key"), $"    ssl_certificate_key {keyFile};\n", "ssl_certificate_key");
    }

    /// <summary>Replaces the first match (later ones are dropped: IPv6 listens, further upstream servers), or every match.</summary>
    private static string Replace(string text, Regex pattern, string replacement, string what, bool everyMatch = false)
    {
        // The shipped file must still have what is swapped: a test of a config that drifted away would test nothing.
        if (!pattern.IsMatch(text))
        {
            throw new InvalidOperationException($"deploy/nginx/parley.conf no longer has {what}; update NginxFront with it.");
        }

        var first = true;
        return pattern.Replace(text, _ =>
        {
            var r = first || everyMatch ? replacement : string.Empty;
            first = false;
            return r;
        });
    }

    private static Regex ListenLine(string what) => new($@"^\s*listen (\[::\]:)?{Regex.Escape(what)};\n", RegexOptions.Multiline);

    private static Regex Directive(string name) => new($@"^\s*{name}\s+\S+;\n", RegexOptions.Multiline);

    [GeneratedRegex(@"^\s*server 127\.0\.0\.1:\d+[^\n]*;\n", RegexOptions.Multiline)]
    private static partial Regex UpstreamServers();

    [GeneratedRegex(@"^\s*server_name [^\n]*;\n", RegexOptions.Multiline)]
    private static partial Regex ServerName();

    private static string MainConfig(string directory)
    {
        // Run as root (CI), nginx would hand its workers to "nobody", who cannot read this private directory.
        var user = Environment.UserName == "root" ? "user root;\n" : string.Empty;
        return $$"""
            {{user}}worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                include {{directory}}/parley.conf;
            }
            """;
    }

    private static void WriteSelfSignedCertificate(string certificateFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // "stop" reaches the workers too (SIGKILL to the master would leave them listening).
            using (var stop = Process.Start(NginxPath, ["-p", _directory.FullName, "-c", Path.Combine(_directory.FullName, "nginx.conf"), "-s", "stop"]))
            {
                await stop.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
