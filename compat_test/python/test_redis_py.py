"""redis-py compatibility checks for murr-sidecar.

Run as: python3 test_redis_py.py HOST PORT

Every check raises on a wrong result; the script prints what failed and
exits non-zero on the first failure, and prints "redis-py: all checks
passed" otherwise. It runs once over RESP2 and, with redis-py 5 or newer
(which has protocol=3), once more over RESP3.
"""

import sys
import threading
import time
import traceback

import redis
from redis.exceptions import ResponseError, WatchError

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
# redis-py strips the "ERR " code from the messages of ResponseError.
NOT_INTEGER = "value is not an integer or out of range"

CHECKS = 0


def expect(got, want, what):
    global CHECKS
    CHECKS += 1
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def expect_true(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise AssertionError(what)


def expect_error(fn, exc_type, message, what):
    global CHECKS
    CHECKS += 1
    try:
        fn()
    except exc_type as e:
        if str(e) != message:
            raise AssertionError(f"{what}: raised {type(e).__name__}({str(e)!r}), want message {message!r}")
        return e
    except Exception as e:  # wrong exception type
        raise AssertionError(f"{what}: raised {type(e).__name__}({e!r}), want {exc_type.__name__}")
    raise AssertionError(f"{what}: no exception, want {exc_type.__name__}({message!r})")


def binary_value():
    return bytes(range(256)) + b"\r\n\x00"


def check_strings(r, rd):
    r.flushdb()
    expect(r.set("s", "hello"), True, "SET")
    expect(r.get("s"), b"hello", "GET")
    expect(rd.get("s"), "hello", "GET with decode_responses")
    expect(r.get("missing"), None, "GET missing")
    b = binary_value()
    expect(r.set(b"bin\x00\xffkey", b), True, "SET binary")
    expect(r.get(b"bin\x00\xffkey"), b, "GET binary")
    expect(r.strlen(b"bin\x00\xffkey"), len(b), "STRLEN binary")
    expect(r.set("s", "x", nx=True), None, "SET NX existing")
    expect(r.set("n", "1", nx=True), True, "SET NX new")
    expect(r.set("s", "world", get=True), b"hello", "SET GET")
    expect(r.mset({"m1": "a", "m2": b"\x00b"}), True, "MSET")
    expect(r.mget("m1", "nope", "m2"), [b"a", None, b"\x00b"], "MGET")
    expect(rd.mget(["m1", "nope"]), ["a", None], "MGET decoded")
    expect(r.incr("ctr"), 1, "INCR")
    expect(r.incrby("ctr", 9), 10, "INCRBY")
    expect(r.decr("ctr"), 9, "DECR")
    expect(r.incrbyfloat("fl", 0.5), 0.5, "INCRBYFLOAT")
    expect(r.append("ap", "ab"), 2, "APPEND")
    expect(r.getrange("ap", 0, 0), b"a", "GETRANGE")
    expect(r.getdel("ap"), b"ab", "GETDEL")
    expect(r.exists("ap", "s", "n"), 2, "EXISTS")
    expect(r.delete("s", "n", "nope"), 2, "DEL")
    expect(r.type("m1"), b"string", "TYPE")
    expect(r.set("", "empty key"), True, "SET empty key")
    expect(r.get(""), b"empty key", "GET empty key")


def check_hashes(r, rd):
    r.flushdb()
    b = binary_value()
    mapping = {"name": "ada", "age": 36, b"f\x00ld": b, "empty": ""}
    expect(r.hset("user:1", mapping=mapping), 4, "HSET mapping")
    expect(r.hset("user:1", "age", 37), 0, "HSET existing field")
    expect(r.hset("user:1", "city", "London", mapping={"zip": "N1"}), 2, "HSET key/value and mapping")
    want = {b"name": b"ada", b"age": b"37", b"f\x00ld": b, b"empty": b"", b"city": b"London", b"zip": b"N1"}
    expect(r.hgetall("user:1"), want, "HGETALL")
    expect(r.hgetall("user:none"), {}, "HGETALL missing")
    expect(rd.hget("user:1", "name"), "ada", "HGET decoded")
    expect(r.hget("user:1", "nope"), None, "HGET missing field")
    expect(r.hmget("user:1", ["name", "nope", "empty"]), [b"ada", None, b""], "HMGET")
    expect(r.hlen("user:1"), 6, "HLEN")
    expect(r.hexists("user:1", "zip"), True, "HEXISTS")
    expect(sorted(r.hkeys("user:1")), sorted(want.keys()), "HKEYS")
    expect(sorted(r.hvals("user:1")), sorted(want.values()), "HVALS")
    expect(r.hincrby("user:1", "age", 3), 40, "HINCRBY")
    expect(r.hincrbyfloat("user:1", "score", 1.25), 1.25, "HINCRBYFLOAT")
    expect(r.hsetnx("user:1", "name", "bob"), False, "HSETNX existing")
    expect(r.hdel("user:1", "name", "nope"), 1, "HDEL")
    expect(r.type("user:1"), b"hash", "TYPE hash")
    expect(r.hset("one", "f", "v"), 1, "HSET one")
    expect(r.hdel("one", "f"), 1, "HDEL last field")
    expect(r.exists("one"), 0, "key gone after its last field")


def check_pipelines(r):
    r.flushdb()
    with r.pipeline(transaction=False) as p:
        p.set("a", "1").get("a").incr("a").get("missing").hset("h", mapping={"x": 1, "y": 2}).hgetall("h")
        p.mget("a", "missing")
        for i in range(300):
            p.set(f"k{i}", i)
        for i in range(300):
            p.get(f"k{i}")
        res = p.execute()
    expect(res[:7], [True, b"1", 2, None, 2, {b"x": b"1", b"y": b"2"}, [b"2", None]], "pipeline(transaction=False) results")
    expect(res[7:307], [True] * 300, "pipelined SETs")
    expect(res[307:], [str(i).encode() for i in range(300)], "pipelined GETs")

    # An error reply inside a non-transactional pipeline.
    with r.pipeline(transaction=False) as p:
        p.set("s", "abc").incr("s").get("s")
        res = p.execute(raise_on_error=False)
    expect(res[0], True, "pipeline SET before error")
    expect_true(isinstance(res[1], ResponseError) and str(res[1]) == NOT_INTEGER, f"pipeline INCR error: {res[1]!r}")
    expect(res[2], b"abc", "pipeline GET after error")

    def failing_pipeline():
        with r.pipeline(transaction=False) as p:
            p.set("t", "1").hget("s", "f").set("t", "2")
            p.execute()

    expect_error(failing_pipeline, ResponseError,
                 "Command # 2 (HGET s f) of pipeline caused error: " + WRONGTYPE, "pipeline raise_on_error")
    expect(r.get("t"), b"2", "commands after the failing one still ran")

    with r.pipeline(transaction=True) as p:
        p.set("tx", "10").incrby("tx", 5).get("tx").hset("txh", "f", "v").expire("txh", 3600).ttl("txh")
        res = p.execute()
    expect(res, [True, 15, b"15", 1, True, 3600], "pipeline(transaction=True) results")

    def failing_transaction():
        with r.pipeline(transaction=True) as p:
            p.set("tx2", "text").incr("tx2").set("tx3", "ok")
            p.execute()

    expect_error(failing_transaction, ResponseError,
                 "Command # 2 (INCRBY tx2 1) of pipeline caused error: " + NOT_INTEGER, "transaction with a run-time error")
    expect(r.get("tx3"), b"ok", "MULTI does not roll back on a run-time error")

    # A command rejected while queuing aborts the whole transaction.
    def aborted_transaction():
        with r.pipeline(transaction=True) as p:
            p.set("tx4", "1")
            p.execute_command("SET", "tx5")  # wrong number of arguments
            p.execute()

    expect_true(_raises(aborted_transaction, ResponseError), "EXECABORT raises ResponseError")
    expect(r.exists("tx4"), 0, "an aborted transaction wrote nothing")


def _raises(fn, exc_type):
    try:
        fn()
    except exc_type:
        return True
    return False


def watch_incr(r, key):
    retries = 0
    with r.pipeline() as p:
        while True:
            try:
                p.watch(key)
                cur = int(p.get(key) or 0)
                p.multi()
                p.set(key, cur + 1)
                p.execute()
                return retries
            except WatchError:
                retries += 1


def check_watch(r, host, port, protocol_kwargs):
    r.flushdb()
    threads, errors = [], []
    n_threads, per_thread = 4, 100

    def worker():
        try:
            c = redis.Redis(host=host, port=port, **protocol_kwargs)
            for _ in range(per_thread):
                watch_incr(c, "counter")
            c.close()
        except Exception as e:  # reported below
            errors.append(e)

    for _ in range(n_threads):
        t = threading.Thread(target=worker)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    expect(r.get("counter"), str(n_threads * per_thread).encode(), "counter after WATCH increments")

    # A write by another client between WATCH and EXEC raises WatchError.
    other = redis.Redis(host=host, port=port, **protocol_kwargs)
    with r.pipeline() as p:
        p.watch("counter")
        other.set("counter", "changed")
        p.multi()
        p.set("counter", "mine")
        expect_true(_raises(p.execute, WatchError), "EXEC after a concurrent write raises WatchError")
    expect(r.get("counter"), b"changed", "aborted transaction changed nothing")
    # transaction() helper retries until it succeeds.
    r.set("acct", 100)

    def move(p):
        bal = int(p.get("acct"))
        p.multi()
        p.set("acct", bal - 30)
        p.incrby("moved", 30)

    res = r.transaction(move, "acct")
    expect(res, [True, 30], "Redis.transaction result")
    expect(r.mget("acct", "moved"), [b"70", b"30"], "values after Redis.transaction")
    other.close()


def check_scan(r):
    r.flushdb()
    with r.pipeline(transaction=False) as p:
        for i in range(5000):
            p.set(f"item:{i}", i)
        for i in range(200):
            p.hset(f"hash:{i}", "f", i)
        p.execute()
    keys = list(r.scan_iter())
    expect(len(set(keys)), 5200, "scan_iter distinct keys")
    got = set(r.scan_iter(match="item:4*2", count=100))
    want = {f"item:{i}".encode() for i in range(5000) if str(i).startswith("4") and str(i).endswith("2")}
    expect(got, want, "scan_iter(match=item:4*2)")
    got = set(r.scan_iter(match="hash:1?", _type="hash"))
    expect(got, {f"hash:{i}".encode() for i in range(10, 20)}, "scan_iter(match=hash:1?, _type=hash)")
    got = set(r.scan_iter(_type="hash", count=1000))
    expect(len(got), 200, "scan_iter(_type=hash)")
    got = set(r.scan_iter(match="item:[0-1]", count=10))
    expect(got, {b"item:0", b"item:1"}, "scan_iter(match=item:[0-1])")
    expect(set(r.scan_iter(match="none*")), set(), "scan_iter no match")
    cursor, page = r.scan(0, count=10)
    expect_true(cursor != 0 and 0 < len(page) <= 100, f"SCAN 0 COUNT 10 gave cursor {cursor} and {len(page)} keys")
    fields = dict(r.hscan_iter("hash:7"))
    expect(fields, {b"f": b"7"}, "hscan_iter")


def check_expiry(r):
    r.flushdb()
    expect(r.set("e", "v", ex=100), True, "SET EX")
    ttl = r.ttl("e")
    expect_true(99 <= ttl <= 100, f"TTL after SET EX 100 is {ttl}")
    pttl = r.pttl("e")
    expect_true(98000 <= pttl <= 100000, f"PTTL after SET EX 100 is {pttl}")
    expect(r.ttl("missing"), -2, "TTL missing")
    r.set("p", "v")
    expect(r.ttl("p"), -1, "TTL persistent")
    expect(r.expire("p", 50), True, "EXPIRE")
    expect(r.expire("missing", 50), False, "EXPIRE missing")
    expect_true(49 <= r.ttl("p") <= 50, "TTL after EXPIRE 50")
    expect(r.persist("p"), True, "PERSIST")
    expect(r.ttl("p"), -1, "TTL after PERSIST")
    r.hset("hx", "f", "v")
    expect(r.pexpire("hx", 200), True, "PEXPIRE hash")
    r.set("px", "v", px=200)
    expect(r.getex("p", px=200), b"v", "GETEX PX")
    time.sleep(0.6)
    expect(r.get("px"), None, "GET after expiry")
    expect(r.get("p"), None, "GET after GETEX expiry")
    expect(r.hgetall("hx"), {}, "HGETALL after expiry")
    expect(r.exists("px", "hx", "p"), 0, "EXISTS after expiry")
    expect(sorted(r.keys("*")), [b"e"], "KEYS after expiry")


def check_errors(r):
    r.flushdb()
    r.hset("h", "f", "v")
    r.set("s", "x")
    expect_error(lambda: r.get("h"), ResponseError, WRONGTYPE, "GET hash")
    expect_error(lambda: r.incr("h"), ResponseError, WRONGTYPE, "INCR hash")
    expect_error(lambda: r.hget("s", "f"), ResponseError, WRONGTYPE, "HGET string")
    expect_error(lambda: r.hgetall("s"), ResponseError, WRONGTYPE, "HGETALL string")
    expect_error(lambda: r.hset("s", "f", "v"), ResponseError, WRONGTYPE, "HSET string")
    expect_error(lambda: r.incr("s"), ResponseError, NOT_INTEGER, "INCR non-integer")
    expect_error(lambda: r.execute_command("FOO", "bar"), ResponseError,
                 "unknown command 'FOO', with args beginning with: 'bar' ", "unknown command")
    expect_error(lambda: r.execute_command("GET"), ResponseError,
                 "wrong number of arguments for 'get' command", "GET without key")
    expect_error(lambda: r.execute_command("SET", "k", "v", "EX", "0"), ResponseError,
                 "invalid expire time in 'set' command", "SET EX 0")
    expect_error(lambda: r.execute_command("SET", "k", "v", "BOGUS"), ResponseError, "syntax error", "SET BOGUS")
    expect(r.get("s"), b"x", "connection usable after errors")


def run_suite(host, port, protocol_kwargs, label):
    r = redis.Redis(host=host, port=port, **protocol_kwargs)
    rd = redis.Redis(host=host, port=port, decode_responses=True, **protocol_kwargs)
    expect(r.ping(), True, "PING")
    for name, fn in [
        ("strings", lambda: check_strings(r, rd)),
        ("hashes", lambda: check_hashes(r, rd)),
        ("pipelines", lambda: check_pipelines(r)),
        ("watch", lambda: check_watch(r, host, port, protocol_kwargs)),
        ("scan", lambda: check_scan(r)),
        ("expiry", lambda: check_expiry(r)),
        ("errors", lambda: check_errors(r)),
    ]:
        try:
            fn()
        except Exception:
            print(f"FAIL [{label}] {name}:", file=sys.stderr)
            traceback.print_exc()
            sys.exit(1)
        print(f"ok   [{label}] {name}")
    r.close()
    rd.close()


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    print(f"redis-py {redis.__version__}")
    run_suite(host, port, {}, "RESP2")
    major = int(redis.__version__.split(".")[0])
    if major >= 5:
        run_suite(host, port, {"protocol": 3}, "RESP3")
    else:
        print(f"skip [RESP3] redis-py {redis.__version__} has no protocol=3")
    print(f"redis-py: all checks passed ({CHECKS} checks)")


if __name__ == "__main__":
    main()
