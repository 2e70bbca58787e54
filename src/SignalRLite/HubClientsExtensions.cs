namespace SignalRLite;

/// <summary>
/// Overloads of the <see cref="IHubClients{T}"/> targets that take a list: a few names written out
/// (<c>Clients.Users("ann", "bob")</c>) or any sequence (<c>Clients.Groups(hashSet)</c>).
/// </summary>
public static class HubClientsExtensions
{
    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1) => hubClients.AllExcept(new[] { excludedConnectionId1 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5, string excludedConnectionId6) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5, excludedConnectionId6 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5, string excludedConnectionId6, string excludedConnectionId7) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5, excludedConnectionId6, excludedConnectionId7 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5, string excludedConnectionId6, string excludedConnectionId7, string excludedConnectionId8) => hubClients.AllExcept(new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5, excludedConnectionId6, excludedConnectionId7, excludedConnectionId8 });

    /// <summary>Every connection but the listed ones.</summary>
    public static T AllExcept<T>(this IHubClients<T> hubClients, IEnumerable<string> excludedConnectionIds) =>
        hubClients.AllExcept(excludedConnectionIds as IReadOnlyList<string> ?? [.. excludedConnectionIds]);

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1) => hubClients.Clients(new[] { connection1 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2) => hubClients.Clients(new[] { connection1, connection2 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2, string connection3) => hubClients.Clients(new[] { connection1, connection2, connection3 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2, string connection3, string connection4) => hubClients.Clients(new[] { connection1, connection2, connection3, connection4 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2, string connection3, string connection4, string connection5) => hubClients.Clients(new[] { connection1, connection2, connection3, connection4, connection5 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2, string connection3, string connection4, string connection5, string connection6) => hubClients.Clients(new[] { connection1, connection2, connection3, connection4, connection5, connection6 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2, string connection3, string connection4, string connection5, string connection6, string connection7) => hubClients.Clients(new[] { connection1, connection2, connection3, connection4, connection5, connection6, connection7 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, string connection1, string connection2, string connection3, string connection4, string connection5, string connection6, string connection7, string connection8) => hubClients.Clients(new[] { connection1, connection2, connection3, connection4, connection5, connection6, connection7, connection8 });

    /// <summary>The listed connections.</summary>
    public static T Clients<T>(this IHubClients<T> hubClients, IEnumerable<string> connectionIds) =>
        hubClients.Clients(connectionIds as IReadOnlyList<string> ?? [.. connectionIds]);

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5, string excludedConnectionId6) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5, excludedConnectionId6 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5, string excludedConnectionId6, string excludedConnectionId7) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5, excludedConnectionId6, excludedConnectionId7 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, string excludedConnectionId1, string excludedConnectionId2, string excludedConnectionId3, string excludedConnectionId4, string excludedConnectionId5, string excludedConnectionId6, string excludedConnectionId7, string excludedConnectionId8) => hubClients.GroupExcept(groupName, new[] { excludedConnectionId1, excludedConnectionId2, excludedConnectionId3, excludedConnectionId4, excludedConnectionId5, excludedConnectionId6, excludedConnectionId7, excludedConnectionId8 });

    /// <summary>Every connection in the group but the listed ones.</summary>
    public static T GroupExcept<T>(this IHubClients<T> hubClients, string groupName, IEnumerable<string> excludedConnectionIds) =>
        hubClients.GroupExcept(groupName, excludedConnectionIds as IReadOnlyList<string> ?? [.. excludedConnectionIds]);

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1) => hubClients.Groups(new[] { group1 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2) => hubClients.Groups(new[] { group1, group2 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2, string group3) => hubClients.Groups(new[] { group1, group2, group3 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2, string group3, string group4) => hubClients.Groups(new[] { group1, group2, group3, group4 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2, string group3, string group4, string group5) => hubClients.Groups(new[] { group1, group2, group3, group4, group5 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2, string group3, string group4, string group5, string group6) => hubClients.Groups(new[] { group1, group2, group3, group4, group5, group6 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2, string group3, string group4, string group5, string group6, string group7) => hubClients.Groups(new[] { group1, group2, group3, group4, group5, group6, group7 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, string group1, string group2, string group3, string group4, string group5, string group6, string group7, string group8) => hubClients.Groups(new[] { group1, group2, group3, group4, group5, group6, group7, group8 });

    /// <summary>Every connection in any of the listed groups.</summary>
    public static T Groups<T>(this IHubClients<T> hubClients, IEnumerable<string> groupNames) =>
        hubClients.Groups(groupNames as IReadOnlyList<string> ?? [.. groupNames]);

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1) => hubClients.Users(new[] { user1 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2) => hubClients.Users(new[] { user1, user2 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2, string user3) => hubClients.Users(new[] { user1, user2, user3 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2, string user3, string user4) => hubClients.Users(new[] { user1, user2, user3, user4 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2, string user3, string user4, string user5) => hubClients.Users(new[] { user1, user2, user3, user4, user5 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2, string user3, string user4, string user5, string user6) => hubClients.Users(new[] { user1, user2, user3, user4, user5, user6 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2, string user3, string user4, string user5, string user6, string user7) => hubClients.Users(new[] { user1, user2, user3, user4, user5, user6, user7 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, string user1, string user2, string user3, string user4, string user5, string user6, string user7, string user8) => hubClients.Users(new[] { user1, user2, user3, user4, user5, user6, user7, user8 });

    /// <summary>Every connection of the listed users.</summary>
    public static T Users<T>(this IHubClients<T> hubClients, IEnumerable<string> userIds) =>
        hubClients.Users(userIds as IReadOnlyList<string> ?? [.. userIds]);
}
