using LoadTest.Client;
using LoadTest.Host;
using LoadTest.Orchestrator;

// Roles: "host KIND PORT", "client", or the orchestrator (default). See README.md.
if (args.Length >= 1 && args[0] == "host")
{
    return await HostProgram.RunAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length >= 1 && args[0] == "soak")
{
    return await LoadTest.Soak.SoakRunner.RunAsync(args[1..]);
}

if (args.Length >= 1 && args[0] == "client")
{
    return await ClientAgent.RunAsync();
}

return await Runner.RunAsync(args);
