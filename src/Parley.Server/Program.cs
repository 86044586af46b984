using Parley.Server.Features.Blobs;
using Parley.Server.Features.Health;
using Parley.Server.Features.Messaging;
using Parley.Server.Features.Requests;
using Parley.Server.Features.Secrets;
using Parley.Server.Features.Webhooks;
using Parley.Server.Features.WebUi;
using Parley.Server.Infrastructure.Http;
using Parley.Server.Infrastructure.Metrics;
using Parley.Server.Infrastructure.Storage;

ThreadPoolFloor.Apply();
var builder = WebApplication.CreateBuilder(args);
// Request logs carry paths, and paths carry secret ids: the hosting categories stay quiet by default.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddParleyHttp();
builder.Services.AddParleyStorage();
builder.Services.AddHealth(builder.Configuration);
builder.Services.AddSecrets();
builder.Services.AddRequests();
builder.Services.AddMessaging(builder.Configuration);
builder.Services.AddBlobs();
builder.AddParleyMetrics();
builder.Services.AddWebhooks();

var app = builder.Build();
app.UseParleyMetrics();
app.UseParleyHttp();
app.UseRelaySocket();
app.UseParleyApi();
app.UseWebUi();
app.MapHealthEndpoints();
app.MapSecretsEndpoints();
app.MapRequestsEndpoints();
app.MapMessagingEndpoints();
app.MapBlobsEndpoints();
app.Run();

/// <summary>Entry point, visible to the integration tests' host factory.</summary>
public partial class Program;
