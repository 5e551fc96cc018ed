using ConvoFunctions;
using ConvoFunctions.App.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddConvoTelemetry().AddAzureMonitor(builder.Configuration);
builder.Services.AddConvoFunctions(builder.Configuration);
builder.Build().Run();
