using System.Buffers;

namespace SignalRLite.Internal.Protocol;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>.
/// Two instances per thread are cached (a protocol that frames a body rents one inside a caller's), so writing a
/// message allocates no writer and, once warm, no buffer.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private const int InitialSize = 256;
    private const int MaxCachedSize = 64 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? t_cached;

    [ThreadStatic]
    private static PooledBufferWriter? t_cachedNested;

    private byte[] _buffer;
    private int _written;

    private PooledBufferWriter()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Takes the thread's cached instance (or a new one); give it back with <see cref="Return"/>.</summary>
    public static PooledBufferWriter Rent()
    {
        var writer = t_cached;
        if (writer is not null)
        {
            t_cached = null;
            return writer;
        }

        writer = t_cachedNested;
        if (writer is not null)
        {
            t_cachedNested = null;
            return writer;
        }

        return new PooledBufferWriter();
    }

    /// <summary>Resets the writer and caches it for the thread; oversized buffers go back to the pool.</summary>
    public static void Return(PooledBufferWriter writer)
    {
        writer._written = 0;
        if (writer._buffer.Length > MaxCachedSize)
        {
            ArrayPool<byte>.Shared.Return(writer._buffer);
            writer._buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }

        if (t_cached is null)
        {
            t_cached = writer;
        }
        else if (t_cachedNested is null)
        {
            t_cachedNested = writer;
        }
        else
        {
            ArrayPool<byte>.Shared.Return(writer._buffer);
        }
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        var free = _buffer.Length - _written;
        if (free >= sizeHint)
        {
            return;
        }

        var needed = (long)_written + sizeHint;
        var newSize = Math.Max(needed, (long)_buffer.Length * 2);
        if (newSize > Array.MaxLength)
        {
            newSize = needed <= Array.MaxLength ? Array.MaxLength : throw new OutOfMemoryException("A hub message cannot exceed 2GB.");
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)newSize);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
