namespace SignalRLite.StackExchangeRedis.Internal.Presence;

/// <summary>
/// The one Lua script every presence change and query runs as (so each batch is atomic, in one round trip, and its
/// events are published in the order of the changes, exactly once, by Redis itself).
/// </summary>
/// <remarks>
/// <para>
/// ARGV: key prefix, event channel (with the channel prefix), this server's name, the expiry in ms; then operations of
/// five fields each: code, a, b, c, timestamp (ms since the epoch, on the sender's TimeProvider). The result is one
/// value per operation. Keys (all under the prefix, which holds the hub in a hash tag):
/// </para>
/// <list type="bullet">
/// <item><c>cs</c> connection → server; <c>cu</c> connection → user; <c>cz</c> all connections (a sorted set of score 0, for
/// paging by ZRANGEBYLEX); <c>s:{server}</c> the connections of a server; <c>servers</c>; <c>alive:{server}</c>, with the expiry as TTL.</item>
/// <item><c>u</c> user → connection count, <c>uz</c> the users, <c>u:{user}</c> the user's connections.</item>
/// <item><c>g:{group}</c> its connections; <c>gu:{group}</c> user → connections in it, <c>guz:{group}</c> its users;
/// <c>cg:{connection}</c> its groups; <c>ug:{user}</c> group → connections, <c>ugz:{user}</c> the user's groups.</item>
/// </list>
/// <para>
/// Every change is idempotent (a connect of a known connection, a join of a member, a leave of a non-member change
/// nothing and publish nothing), which is what lets a server re-publish its whole state after Redis lost it, while
/// newer changes are still queued, without counting anything twice. A server whose <c>alive</c> key has expired is
/// dropped by the next sweep (<c>S</c>, run by every heartbeat and before every query): its connections leave with
/// their events, once, since the script is atomic and removes the server from <c>servers</c>.
/// </para>
/// </remarks>
internal static class PresenceScript
{
    public const int Header = 4;

    public const int Fields = 5;

    public const string Source = """
        local p, ch, me, exp = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local function pub(k, c, u, g, t)
          local e = {k = k, c = c, t = t}
          if u then e.u = u end
          if g then e.g = g end
          redis.call('PUBLISH', ch, cjson.encode(e))
        end
        local function dec(h, f)
          if redis.call('HINCRBY', h, f, -1) <= 0 then redis.call('HDEL', h, f) return true end
          return false
        end
        local function join(c, g, t)
          if not redis.call('HGET', p..'cs', c) then return 0 end
          if redis.call('ZADD', p..'g:'..g, 0, c) == 0 then return 0 end
          redis.call('ZADD', p..'cg:'..c, 0, g)
          local u = redis.call('HGET', p..'cu', c)
          if u then
            if redis.call('HINCRBY', p..'gu:'..g, u, 1) == 1 then redis.call('ZADD', p..'guz:'..g, 0, u) end
            if redis.call('HINCRBY', p..'ug:'..u, g, 1) == 1 then redis.call('ZADD', p..'ugz:'..u, 0, g) end
          end
          pub(4, c, u, g, t)
          return 1
        end
        local function leave(c, g, t)
          if redis.call('ZREM', p..'g:'..g, c) == 0 then return 0 end
          redis.call('ZREM', p..'cg:'..c, g)
          local u = redis.call('HGET', p..'cu', c)
          if u then
            if dec(p..'gu:'..g, u) then redis.call('ZREM', p..'guz:'..g, u) end
            if dec(p..'ug:'..u, g) then redis.call('ZREM', p..'ugz:'..u, g) end
          end
          pub(5, c, u, g, t)
          return 1
        end
        local function connect(c, u, t)
          if redis.call('HSETNX', p..'cs', c, me) == 0 then return 0 end
          redis.call('ZADD', p..'cz', 0, c)
          redis.call('SADD', p..'s:'..me, c)
          if u then
            redis.call('HSET', p..'cu', c, u)
            redis.call('ZADD', p..'u:'..u, 0, c)
          end
          pub(0, c, u, nil, t)
          if u and redis.call('HINCRBY', p..'u', u, 1) == 1 then
            redis.call('ZADD', p..'uz', 0, u)
            pub(2, c, u, nil, t)
          end
          return 1
        end
        local function disconnect(c, t)
          local s = redis.call('HGET', p..'cs', c)
          if not s then return 0 end
          for _, g in ipairs(redis.call('ZRANGE', p..'cg:'..c, 0, -1)) do leave(c, g, t) end
          local u = redis.call('HGET', p..'cu', c)
          redis.call('HDEL', p..'cs', c)
          redis.call('HDEL', p..'cu', c)
          redis.call('ZREM', p..'cz', c)
          redis.call('SREM', p..'s:'..s, c)
          pub(1, c, u, nil, t)
          if u then
            redis.call('ZREM', p..'u:'..u, c)
            if dec(p..'u', u) then
              redis.call('ZREM', p..'uz', u)
              pub(3, c, u, nil, t)
            end
          end
          return 1
        end
        local function drop(s, t)
          for _, c in ipairs(redis.call('SMEMBERS', p..'s:'..s)) do disconnect(c, t) end
          redis.call('DEL', p..'s:'..s, p..'keep:'..s)
          redis.call('SREM', p..'servers', s)
        end
        local function sweep(t)
          local n = 0
          for _, s in ipairs(redis.call('SMEMBERS', p..'servers')) do
            if redis.call('EXISTS', p..'alive:'..s) == 0 then
              drop(s, t)
              n = n + 1
            end
          end
          return n
        end
        local results = {}
        for i = 5, #ARGV, 5 do
          local op, a, b, c, t = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
          local r = 0
          if op == 'C' then
            local u = nil
            if c == '1' then u = b end
            r = connect(a, u, t)
          elseif op == 'D' then r = disconnect(a, t)
          elseif op == 'J' then r = join(a, b, t)
          elseif op == 'L' then r = leave(a, b, t)
          elseif op == 'H' then
            redis.call('SADD', p..'servers', me)
            if redis.call('SET', p..'alive:'..me, '1', 'PX', exp, 'XX') then
              r = 1
            else
              redis.call('SET', p..'alive:'..me, '1', 'PX', exp)
            end
          elseif op == 'S' then r = sweep(t)
          elseif op == 'B' then redis.call('DEL', p..'keep:'..me)
          elseif op == 'W' then
            local d = cjson.decode(b)
            connect(a, d.u, t)
            local want = {}
            for _, g in ipairs(d.g) do
              want[g] = true
              join(a, g, t)
            end
            for _, g in ipairs(redis.call('ZRANGE', p..'cg:'..a, 0, -1)) do
              if not want[g] then leave(a, g, t) end
            end
            redis.call('SADD', p..'keep:'..me, a)
          elseif op == 'P' then
            for _, c2 in ipairs(redis.call('SMEMBERS', p..'s:'..me)) do
              if redis.call('SISMEMBER', p..'keep:'..me, c2) == 0 then disconnect(c2, t) end
            end
            redis.call('DEL', p..'keep:'..me)
          elseif op == 'X' then
            drop(me, t)
            redis.call('DEL', p..'alive:'..me)
          elseif op == 'Z' then r = redis.call('ZCARD', p..a)
          elseif op == 'G' then r = tonumber(redis.call('HGET', p..a, b) or '0')
          elseif op == 'R' then r = redis.call('ZRANGEBYLEX', p..a, b, '+', 'LIMIT', 0, tonumber(c))
          end
          results[#results + 1] = r
        end
        return results
        """;
}
