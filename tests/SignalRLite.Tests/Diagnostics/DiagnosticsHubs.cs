namespace SignalRLite.Tests.Diagnostics.Official
{
    /// <summary>The official server's hub of the diagnostics comparison; the SignalRLite one has the same name and methods.</summary>
    public sealed class DiagHub : Microsoft.AspNetCore.SignalR.Hub
    {
        public string Echo(string message) => message;

        public void Throw() => throw new Microsoft.AspNetCore.SignalR.HubException("told to");

        public void Fail() => throw new InvalidOperationException("failed");

        public async Task<int> Sum(IAsyncEnumerable<int> items)
        {
            var sum = 0;
            await foreach (var item in items)
            {
                sum += item;
            }

            return sum;
        }

        public async IAsyncEnumerable<int> Forever([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return 1;
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public async IAsyncEnumerable<int> Count(int n)
        {
            for (var i = 1; i <= n; i++)
            {
                await Task.Yield();
                yield return i;
            }
        }
    }
}

namespace SignalRLite.Tests.Diagnostics.Lite
{
    public sealed class DiagHub : SignalRLite.Hub
    {
        public string Echo(string message) => message;

        public void Throw() => throw new SignalRLite.HubException("told to");

        public void Fail() => throw new InvalidOperationException("failed");

        public async Task<int> Sum(IAsyncEnumerable<int> items)
        {
            var sum = 0;
            await foreach (var item in items)
            {
                sum += item;
            }

            return sum;
        }

        public async IAsyncEnumerable<int> Forever([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return 1;
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public async IAsyncEnumerable<int> Count(int n)
        {
            for (var i = 1; i <= n; i++)
            {
                await Task.Yield();
                yield return i;
            }
        }
    }
}
