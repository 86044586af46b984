using Parley.Server.Features.WebUi;

var builder = WebApplication.CreateBuilder(args);

var app = builder.Build();
app.UseWebUi();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.Run();

/// <summary>Entry point, visible to the integration tests' host factory.</summary>
public partial class Program;
