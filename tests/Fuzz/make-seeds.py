#!/usr/bin/env python3
"""Writes the seed corpora under tests/Fuzz/seeds/ (run from anywhere; idempotent).

Seeds are small valid and edge-case inputs for every message type. The fuzz binder
(Harness/FuzzBinder.cs) knows the methods Send(int,string), Poco(FuzzPoco), Ints(int[]),
Obj(object), Enum(FuzzColor), Nullable(int?), Empty(), Mixed(...), Misc(...), the pending
client-result invocations "1" (int) and "2" (FuzzPoco) and the upload streams "10" (int),
"11" (FuzzPoco) and "12" (string).
"""
import os, struct, shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
RS = b"\x1e"


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- handshake
for name, text in {
    "json-v1": b'{"protocol":"json","version":1}',
    "messagepack-v2": b'{"protocol":"messagepack","version":2}',
    "reordered-extra": b'{"version":1,"x":[1,{"a":null}],"protocol":"json"}',
    "escaped": b'{"proto\\u0063ol":"js\\u006fn","version":1}',
    "missing-version": b'{"protocol":"json"}',
    "bad-version": b'{"protocol":"json","version":"1"}',
    "not-object": b'[1,2]',
    "whitespace": b' \r\n{ "protocol" : "json" , "version" : 1 } ',
}.items():
    write("handshake", name, text + RS)
write("handshake", "with-trailing-message", b'{"protocol":"json","version":1}' + RS + b'{"type":6}' + RS)
write("handshake", "incomplete", b'{"protocol":"json","vers')
write("handshake", "response-error", b'{"error":"Requested protocol \'xml\' is not available."}' + RS)

# ---------------------------------------------------------------- json
J = {
    "invocation": b'{"type":1,"invocationId":"123","target":"Send","arguments":[42,"Test Message"]}',
    "invocation-nonblocking": b'{"type":1,"target":"Send","arguments":[42,"x"]}',
    "invocation-null-id": b'{"type":1,"invocationId":null,"target":"Empty","arguments":[]}',
    "invocation-args-first": b'{"arguments":[{"id":1,"name":"n","values":[1,2],"color":2,"score":1.5}],"type":1,"target":"Poco"}',
    "invocation-streams": b'{"type":1,"invocationId":"1","target":"Ints","arguments":[[1,2,3]],"streamIds":["10","11"]}',
    "invocation-headers": b'{"type":1,"headers":{"a":"b","c":"\\u00e9"},"target":"Obj","arguments":[{"k":[true,null,1e3,"s"]}]}',
    "invocation-enum-nullable": b'{"type":1,"target":"Nullable","arguments":[null]}' + RS + b'{"type":1,"target":"Enum","arguments":[4]}',
    "invocation-mixed": b'{"type":1,"target":"Mixed","arguments":["s",null,1,[1,{}],{"Id":3},[]]}',
    "invocation-misc": b'{"type":1,"target":"Misc","arguments":[9007199254740993,-0.5,false,"AQID","2024-01-02T03:04:05Z","d2719b3b-2d8a-4c1b-9e5c-0b9b2f6c8e11",["a"],{"x":1}]}',
    "invocation-unknown-target": b'{"type":1,"target":"Nope","arguments":[1]}',
    "invocation-bad-args": b'{"type":1,"target":"Send","arguments":["x",1]}',
    "stream-invocation": b'{"type":4,"invocationId":"123","target":"Ints","arguments":[[10,500]]}',
    "stream-item": b'{"type":2,"invocationId":"10","item":42}',
    "stream-item-first": b'{"item":{"id":5},"type":2,"invocationId":"11"}',
    "stream-item-string": b'{"type":2,"invocationId":"12","item":"a\\"b\\\\c\\n"}',
    "completion-void": b'{"type":3,"invocationId":"1"}',
    "completion-result": b'{"type":3,"invocationId":"1","result":42}',
    "completion-result-first": b'{"result":{"name":"x"},"type":3,"invocationId":"2"}',
    "completion-null-result": b'{"type":3,"invocationId":"2","result":null}',
    "completion-error": b'{"type":3,"invocationId":"1","error":"It didn\'t work!"}',
    "cancel": b'{"type":5,"invocationId":"123"}',
    "ping": b'{"type":6}',
    "close": b'{"type":7}',
    "close-error": b'{"type":7,"error":"Connection closed with an error.","allowReconnect":true}',
    "ack": b'{"type":8,"sequenceId":1394}',
    "sequence": b'{"type":9,"sequenceId":-9223372036854775808}',
    "unknown-type": b'{"type":42,"anything":[1,2]}' + RS + b'{"type":6}',
    "unknown-properties": b'{"type":6,"extra":{"a":[1,[2,[3]]]}}',
    "escaped-names": b'{"\\u0074ype":1,"targ\\u0065t":"Se\\u006ed","arguments":[1,"\\ud83d\\ude00"]}',
    "deep": b'{"type":1,"target":"Obj","arguments":[' + b"[" * 30 + b"]" * 30 + b']}',
    "missing-type": b'{"target":"Send"}',
}
for name, text in J.items():
    write("json", name, text + RS)
write("json", "several", b"".join(J[k] + RS for k in ["ping", "invocation", "completion-result", "stream-item", "cancel"]))
write("json", "incomplete", J["invocation"][:40])

# ---------------------------------------------------------------- messagepack
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def frame(body):
    return varint(len(body)) + body


def s(text):
    b = text.encode()
    if len(b) < 32:
        return bytes([0xA0 | len(b)]) + b
    return b"\xd9" + bytes([len(b)]) + b


def arr(*items):
    assert len(items) < 16
    return bytes([0x90 | len(items)]) + b"".join(items)


def mp(**kv):
    return bytes([0x80 | len(kv)]) + b"".join(s(k) + v for k, v in kv.items())


NIL, TRUE, FALSE, H = b"\xc0", b"\xc3", b"\xc2", b"\x80"


def i(n):
    if 0 <= n < 128:
        return bytes([n])
    if -32 <= n < 0:
        return struct.pack("b", n)
    return b"\xd3" + struct.pack(">q", n)


poco = mp(Id=i(7), Name=s("n"), Values=arr(i(1), i(2)), Color=s("Green"), Score=b"\xcb" + struct.pack(">d", 1.5))
M = {
    "invocation": arr(i(1), H, s("xyz"), s("Send"), arr(i(42), s("Test Message")), arr()),
    "invocation-5": arr(i(1), H, NIL, s("Empty"), arr()),
    "invocation-headers": arr(i(1), b"\x82" + s("x") + s("y") + s("z") + s("z"), s("1"), s("Ints"), arr(arr(i(1), i(-5), b"\xcd\x01\x00")), arr(s("10"))),
    "invocation-poco": arr(i(1), H, NIL, s("Poco"), arr(poco), arr()),
    "invocation-obj": arr(i(1), H, NIL, s("Obj"), arr(mp(a=arr(TRUE, NIL, b"\xca" + struct.pack(">f", 2.5), b"\xc4\x02\x01\x02"))), arr()),
    "invocation-enum": arr(i(1), H, NIL, s("Enum"), arr(s("Blue")), arr()) ,
    "invocation-enum-number": arr(i(1), H, NIL, s("Enum"), arr(i(2)), arr()),
    "invocation-nullable": arr(i(1), H, NIL, s("Nullable"), arr(NIL), arr()),
    "invocation-mixed": arr(i(1), H, s("7"), s("Mixed"), arr(s("s"), i(3), i(1), arr(), poco, arr(i(9))), arr()),
    "invocation-misc": arr(i(1), H, NIL, s("Misc"), arr(i(-1), b"\xcb" + struct.pack(">d", -0.25), FALSE, b"\xc4\x00",
                                                      b"\xd6\xff" + struct.pack(">I", 1700000000), b"\xc4\x10" + bytes(range(16)),
                                                      arr(s("a")), mp(k=i(1))), arr()),
    "invocation-unknown-target": arr(i(1), H, NIL, s("Nope"), arr(i(1)), arr()),
    "invocation-wrong-arg-type": arr(i(1), H, NIL, s("Send"), arr(s("x"), i(1)), arr()),
    "stream-invocation": arr(i(4), H, s("123"), s("Ints"), arr(arr(i(10), i(500))), arr()),
    "stream-item": arr(i(2), H, s("10"), i(42)),
    "stream-item-poco": arr(i(2), H, s("11"), poco),
    "completion-void": arr(i(3), H, s("1"), i(2)),
    "completion-result": arr(i(3), H, s("1"), i(3), i(42)),
    "completion-result-nil": arr(i(3), H, s("2"), i(3), NIL),
    "completion-error": arr(i(3), H, s("1"), i(1), s("boom")),
    "cancel": arr(i(5), H, s("123")),
    "ping": arr(i(6)),
    "close": arr(i(7), NIL),
    "close-error": arr(i(7), s("Server is shutting down."), TRUE),
    "ack": arr(i(8), b"\xcc\x24"),
    "sequence": arr(i(9), b"\xcf" + struct.pack(">Q", 2**63 - 1)),
    "unknown-type": arr(i(99), s("future")),
    "extra-elements": arr(i(5), H, s("1"), arr(i(1)), mp(a=NIL)),
    "type-uint64": arr(b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff"),
    "deep": arr(i(1), H, NIL, s("Obj"), arr(b"\x91" * 40 + b"\x90"), arr()),
}
for name, body in M.items():
    write("messagepack", name, frame(body))
write("messagepack", "several", b"".join(frame(M[k]) for k in ["ping", "invocation", "completion-result", "stream-item", "cancel", "unknown-type", "ack"]))
write("messagepack", "incomplete", frame(M["invocation"])[:9])
write("messagepack", "long-prefix", b"\x80\x80\x01" + b"\x00" * 8)
write("messagepack", "max-prefix", b"\xff\xff\xff\xff\x07")
write("messagepack", "bad-prefix", b"\xff\xff\xff\xff\x08\x91\x06")
write("messagepack", "empty-body", b"\x00")
write("messagepack", "non-array-body", frame(b"\x06"))
