using System.Buffers.Text;
using System.Security.Cryptography;

namespace SignalRLite.Internal.Transports;

/// <summary>Connection IDs and tokens: 128 bits from the CSPRNG, base64url without padding (22 characters).</summary>
internal static class ConnectionIdGenerator
{
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
