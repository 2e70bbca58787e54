using SignalRLite.StackExchangeRedis.Internal;

namespace SignalRLite.Tests.Redis;

public sealed class RedisAdminEnvelopeTests
{
    [Theory]
    [InlineData((byte)RedisAdminOperation.CloseUser, "alice", null, "Suspended é", true)]
    [InlineData((byte)RedisAdminOperation.CloseConnection, "c1", null, null, false)]
    [InlineData((byte)RedisAdminOperation.CloseGroup, "room", null, "", false)]
    [InlineData((byte)RedisAdminOperation.RemoveUserFromGroup, "alice", "room", null, false)]
    public void A_command_reads_back_as_written(byte operation, string target, string? group, string? reason, bool allowReconnect)
    {
        var command = new RedisAdminCommand((RedisAdminOperation)operation, target, group, reason, allowReconnect);
        var payload = RedisAdminEnvelope.WriteCommand(300, "server_1", command);

        Assert.Equal(RedisEnvelope.Version, payload[0]);
        Assert.Equal((byte)RedisEnvelopeKind.AdminCommand, payload[1]);
        Assert.Equal(command, RedisAdminEnvelope.ReadCommand(payload, out var requestId, out var replyServer));
        Assert.Equal(300, requestId);
        Assert.Equal("server_1", replyServer);
    }

    [Fact]
    public void A_reply_reads_back_and_anything_else_is_refused()
    {
        Assert.Equal((5L, 1234), RedisAdminEnvelope.ReadReply(RedisAdminEnvelope.WriteReply(5, 1234)));
        Assert.Throws<InvalidDataException>(() => RedisAdminEnvelope.ReadReply(RedisEnvelope.WriteAck(5)));
        Assert.Throws<InvalidDataException>(() => RedisAdminEnvelope.ReadCommand(RedisAdminEnvelope.WriteReply(5, 1), out _, out _));
        var truncated = RedisAdminEnvelope.WriteCommand(1, "s", new RedisAdminCommand(RedisAdminOperation.CloseUser, "alice"));
        Assert.Throws<InvalidDataException>(() => RedisAdminEnvelope.ReadCommand(truncated.AsMemory(0, truncated.Length - 1), out _, out _));
    }

    [Fact]
    public async Task A_request_completes_once_every_server_answered_even_when_answers_come_before_the_count_of_servers()
    {
        var request = new RedisAdminRequest();
        request.Answer(2); // this server's own answer, before PUBLISH returned
        Assert.False(request.AllAnswered.IsCompleted);
        request.Expect(3);
        Assert.False(request.AllAnswered.IsCompleted);
        request.Answer(0);
        request.Answer(1);
        await request.AllAnswered.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((3, 3), request.Result);

        var nobody = new RedisAdminRequest();
        nobody.Expect(0);
        Assert.True(nobody.AllAnswered.IsCompleted);
        Assert.Equal((0, 0), nobody.Result);
    }
}
