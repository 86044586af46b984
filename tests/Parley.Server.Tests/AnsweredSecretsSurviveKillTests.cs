using System.Net;
using Parley.Contracts;
using Parley.Server.Tests.Support;

namespace Parley.Server.Tests;

/// <summary>
/// Commit before answer, for secrets: the server process is SIGKILLed the moment a random create (201)
/// or open (200) is answered, several times over; after each restart every answered secret is there
/// and every answered open has spent its view. SIGKILL keeps the page cache, so this shows the order of
/// commit and answer; what a power cut adds is the fsync that <c>Parley:Storage:SqliteSynchronous</c>
/// chooses (<see cref="SqliteSynchronousTests"/>).
/// </summary>
public sealed class AnsweredSecretsSurviveKillTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("normal")]
    public async Task Every_answered_create_and_open_survives_a_kill_9_at_a_random_moment(string synchronous)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Parley:Storage:Provider"] = "sqlite",
            ["Parley:Storage:SqliteSynchronous"] = synchronous,
            ["Parley:Secrets:CreatePerMinute"] = "0",
        };
        await using var server = await ServerProcess.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var api = new SecretsHttp(http);

        var checkedWrites = await KillAfterAnswer.RunAsync(server, rounds: 5,
            write: async (n, _) =>
            {
                var created = await api.CreateAsync(new TestSecret());
                if (n % 2 == 0)
                {
                    return (created, Opened: false);
                }

                using var open = await api.OpenAsync(created);
                open.StatusCode.ShouldBe(HttpStatusCode.OK);
                return (created, Opened: true);
            },
            verifyAfterRestart: async answered =>
            {
                foreach (var (created, opened) in answered)
                {
                    using var look = await api.LookAsync(created.Id, created.Secret.AccessKeyText);
                    if (opened)
                    {
                        await look.ShouldBeProblemAsync(HttpStatusCode.Gone, ProblemTypes.AlreadyOpened); // its one view is spent
                    }
                    else
                    {
                        (await look.ShouldBeJsonAsync(HttpStatusCode.OK, ParleyJsonContext.Default.SecretLookResponse)).ViewsLeft.ShouldBe(1);
                    }
                }
            });

        checkedWrites.ShouldBeGreaterThanOrEqualTo(5);
    }
}
