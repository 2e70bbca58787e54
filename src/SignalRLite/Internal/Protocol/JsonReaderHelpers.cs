using System.Buffers;
using System.Text.Json;

namespace SignalRLite.Internal.Protocol;

/// <summary>Hostile-input helpers shared by the JSON hub protocol and the handshake.</summary>
internal static class JsonReaderHelpers
{
    /// <summary>
    /// Reads the current string token. <see cref="Utf8JsonReader"/> validates a string only when it is
    /// materialised: invalid UTF-8 or a lone surrogate escape (<c>"\ud800"</c>) makes
    /// <see cref="Utf8JsonReader.GetString"/> throw <see cref="InvalidOperationException"/>, which is
    /// malformed input here.
    /// </summary>
    /// <exception cref="InvalidDataException">The string is not valid UTF-8 / UTF-16.</exception>
    public static string GetValidString(ref Utf8JsonReader reader, string property)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDataException($"'{property}' is not a valid string: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Checks that an escaped property name unescapes to a valid string. Comparing an escaped name
    /// that holds a lone surrogate (<c>{"\ud800":1}</c>) with <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/>
    /// throws <see cref="InvalidOperationException"/>; after this check it cannot. Unescaped names
    /// (the usual case) cost nothing.
    /// </summary>
    /// <exception cref="InvalidDataException">The name is not a valid string.</exception>
    public static void ValidatePropertyName(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            GetValidString(ref reader, "property name");
        }
    }

    /// <summary>
    /// Returns the payload as one span, copying it into <paramref name="rented"/> (from the shared
    /// array pool; the caller returns it) when it spans several segments. The JSON reader is only ever
    /// run over contiguous memory: its multi-segment code path has thrown
    /// <see cref="IndexOutOfRangeException"/> on a literal truncated at the end of the data
    /// (<c>[nu</c> split across segments, .NET 10.0), found by fuzzing.
    /// </summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> payload, out byte[]? rented)
    {
        if (payload.IsSingleSegment)
        {
            rented = null;
            return payload.FirstSpan;
        }

        var length = checked((int)payload.Length);
        rented = ArrayPool<byte>.Shared.Rent(length);
        payload.CopyTo(rented);
        return rented.AsSpan(0, length);
    }
}
