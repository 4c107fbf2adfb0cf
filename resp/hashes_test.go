package resp

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The expected replies are redis-server 7.0.15's, compared byte for byte
// in both protocols.

var hashScript = `
hset h a 1 b => -ERR wrong number of arguments for 'hset' command\r\n
exists h => :0\r\n
hset h a 1 b 2 => :2\r\n
hset h a 3 => :0\r\n
hget h a => $1\r\n3\r\n
hsetnx h a 5 => :0\r\n
hsetnx h c 5 => :1\r\n
hmset h d 4 e => -ERR wrong number of arguments for 'hmset' command\r\n
hmset h d 4 e 5 => +OK\r\n
hlen h => :5\r\n
hlen nokey => :0\r\n
hexists h a => :1\r\n
hexists h q => :0\r\n
hstrlen h a => :1\r\n
hstrlen h q => :0\r\n
hstrlen nokey q => :0\r\n
hdel h a q => :1\r\n
hdel h q => :0\r\n
hdel nokey q => :0\r\n
hkeys nokey => *0\r\n
hvals nokey => *0\r\n
hset one f v => :1\r\n
hkeys one => *1\r\n$1\r\nf\r\n
hvals one => *1\r\n$1\r\nv\r\n
hset e f "" => :1\r\n
hget e f => $0\r\n\r\n
hdel e f => :1\r\n
exists e => :0\r\n
# Wrong type.
set s x => +OK\r\n
hget s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hset s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hmset s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hsetnx s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hmget s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hgetall s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hkeys s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hdel s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hlen s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hexists s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hstrlen s a => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hincrby s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hincrby s a x => -ERR value is not an integer or out of range\r\n
hincrbyfloat s a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hincrbyfloat s a x => -ERR value is not a valid float\r\n
hrandfield s => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hrandfield s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
hrandfield s abc => -ERR value is not an integer or out of range\r\n
hscan s 0 foo => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
# HINCRBY.
hincrby h n 5 => :5\r\n
hincrby h n -10 => :-5\r\n
hincrby h n abc => -ERR value is not an integer or out of range\r\n
hincrby h big 9223372036854775807 => :9223372036854775807\r\n
hincrby h big 1 => -ERR increment or decrement would overflow\r\n
hincrby h neg -9223372036854775808 => :-9223372036854775808\r\n
hincrby h neg -1 => -ERR increment or decrement would overflow\r\n
hset h str abc z 007 sp " 1" => :3\r\n
hincrby h str 1 => -ERR hash value is not an integer\r\n
hincrby h z 1 => -ERR hash value is not an integer\r\n
hincrby h sp 1 => -ERR hash value is not an integer\r\n
hget h str => $3\r\nabc\r\n
hincrby nokey2 f 7 => :7\r\n
# HINCRBYFLOAT, in long double.
hincrbyfloat h fl 0.1 => $3\r\n0.1\r\n
hincrbyfloat h fl 0.2 => $3\r\n0.3\r\n
hincrbyfloat h fl2 inf => -ERR value is NaN or Infinity\r\n
hincrbyfloat h fl2 -inf => -ERR value is NaN or Infinity\r\n
hincrbyfloat h fl2 nan => -ERR value is not a valid float\r\n
hincrbyfloat h fl2 1e5000 => -ERR value is not a valid float\r\n
hincrbyfloat h fl2 " 1" => -ERR value is not a valid float\r\n
hincrbyfloat h fl2 1e => -ERR value is not a valid float\r\n
hincrbyfloat h fl2 0x10 => $2\r\n16\r\n
hincrbyfloat h fl2 1. => $2\r\n17\r\n
hincrbyfloat h fl2 .5 => $4\r\n17.5\r\n
hincrbyfloat h fl2 +1 => $4\r\n18.5\r\n
hincrbyfloat h str 1 => -ERR hash value is not a float\r\n
hincrbyfloat h sp 1 => -ERR hash value is not a float\r\n
hincrbyfloat h big 1 => $19\r\n9223372036854775808\r\n
hincrbyfloat h fl3 1e4932 => $4933\r\n1000000000000000000006018949387963891323837774254533114773785041352533019486608722407533327779433142773666525563666277682061860906440460336623416164931097542108653623739947237824273607755646282077337746770628281083461244709457643633409272844851420914666765408339856497738306756454137037618440476182982865954054046320908299555942321302503320602080070208203623921079151881460203745014774931620490030394998719312614654064081373493248877120892455186383753439197870978041502797716880193955403107721911638646256939484197293128160329482360996995779489224859264034146949087194820794222433687849284561987230134006305414553626323614864479565079390052761980633463640128979696615362545507608303960553830866145592644372289102918602696741767741297153998359263135897985849697638678310586803720024647593066044070323761747439375151949994191528876172274034561238465689530914002496208547488452249219821049217690359246594326188537200846025476936856707726986425804304053688317572380292690880454677852210458790733177421098965346383845533016192965653377533421097553773202105452559589360227732550843545717469715211293029277100649951579279463212875228768700827274629951331584994203243708412190948315614798641721054158397351395747758548328754270534225721361640356227816080094892433366902417454242382629232277544026609640255325557814321580325340352330660617642326696140257239552549121071985189443846777623334881929189773707008403466595204838733621633273383631944856989484138444978386656058755310848833689791896484998847550364264104800800578245511762594691161545730891319744107953897993101008217601269310629890308357893793344340072837782716410520818640099771094401772024731084835860689936533035726854175396195351768096519310944631445923638053214575993378468775292865871435742249777979822775014324475845899615096380079899099538453121043851821349178371736640702645304284254885437611441690360616466368202194307769462209963387690446576691969551571041941288302648912827345194286271122230347823246073498285153708579500062656222714954113329293953346495615947784091175883554988117167387650681525781361864450364992605079129770604793291076559668041153558254765774288831330658676910296506538343982699076824147706077401185501337053676875440863113630172067902223837838525802181406003942606507609826320015193807633035586661539150425605940691768637845815434184585255915074081317250319572700370579877977177644345205933505850374212779064837146242765034714569464306865784829936445754893825213995710137567750342556762329137973387913047300554841737506800154984198686923965286147079273203561004647365286049876790788288301130050437207489067798842078443360167772245834103629301041345252122743437501935254370757049878526838283810705343010153283985958550741661374001212323172562230037290597675029278865489570268803618001520280748588481858632332145422181524500970533738858652881625738158955840469334830106366243262210429210258173978186522208306814207038831590332622155464159216193005478809313772661406449321989529908990407599717265354887081027622412165764793106246309910984757869627982700885055259900973567128498437782671492610351088858271463387495833021819318548705558606395846070390500323204636339383655528123657438115225035433947543876805317781492691295772410403746456774175666884503175504415270824258750305653788473882671038340481278188648013647450190431469737277008003041204693859153544058059108384516541261521127088116402349679151317227395183628490922161336429757386698401928682323657056924758648793848799822907606679071280964393541325129231682456669123450140879120137931548652537601508656209183486928384515842973760163601756230697826779237275078471824258664382133759876151537532598429521999758431018087001817485300919479583171049967781322202936864648780744025361452947117776701129210049872555316467204668470989130203733391349501708713181244068921199587314823974568234174792429139799088587794666528769986602820375968045445209219875596678877912103336949894142378173648692130854177898020194629670311101994938157038765957014792056173739623614871557317714453597336202068774935086409386414223375141765601758268418764114651053088281009248246110195084364468926837572992870110411414878770616397817334529367403238061699632089293543118185299881280463481800696201966723511922556078483839325067415562633057448408746541808590342228476964416681055875561781810005936328191844815915658719683522845979901018335050006246392027657149580332319739660376707180429166280658258434773362764563277134220525779869893832824866422909928484939374964071386248088592408142723646533801882861736205992781965360090000802821408763787641023437653119263757280212773694655213507075717622521160227187157631635583682130089364682543007292042009976150135189415923413244100006421082817394988300265734422677548100741829682842668334472314928702968616204691717366798642916146473018363370523427203416579250811577900985980957404830019403600361860520985937973506956557739754741783354728589350876379371163141086538418113791886622720\r\n
hincrbyfloat h fl3 1e4932 => -ERR increment would produce NaN or Infinity\r\n
hincrbyfloat h fl4 -0.0000000000000000001 => $1\r\n0\r\n
hincrbyfloat h fl5 1.1e-17 => $19\r\n0.00000000000000001\r\n
hincrbyfloat h fl6 123456789012345678901234567890 => $30\r\n123456789012345678899921813504\r\n
hincrbyfloat h fl7 3.0000000000000000001 => $1\r\n3\r\n
hincrbyfloat h fl8 10.5 => $4\r\n10.5\r\n
hincrbyfloat h fl8 -10.5 => $1\r\n0\r\n
# HRANDFIELD on a one-field hash and argument errors.
hrandfield nokey 3 => *0\r\n
hrandfield one => $1\r\nf\r\n
hrandfield one 0 => *0\r\n
hrandfield one 5 => *1\r\n$1\r\nf\r\n
hrandfield one -3 => *3\r\n$1\r\nf\r\n$1\r\nf\r\n$1\r\nf\r\n
hrandfield one abc => -ERR value is not an integer or out of range\r\n
hrandfield one 01 => -ERR value is not an integer or out of range\r\n
hrandfield one -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n
hrandfield one 9223372036854775807 withvalues => -ERR value is out of range\r\n
hrandfield one -4611686018427387904 withvalues => -ERR value is out of range\r\n
hrandfield one 1 foo => -ERR syntax error\r\n
hrandfield one 1 withvalues x => -ERR syntax error\r\n
# HSCAN: a compact hash comes whole, with cursor 0.
hscan one 0 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one 0 count 1 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one 5 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one "" => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one -1 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one +1 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one abc => -ERR invalid cursor\r\n
hscan one 18446744073709551616 => -ERR invalid cursor\r\n
hscan one 0 match f* => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one 0 match x* => *2\r\n$1\r\n0\r\n*0\r\n
hscan one 0 MATCH * COUNT 100 => *2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n
hscan one 0 count 0 => -ERR syntax error\r\n
hscan one 0 count -1 => -ERR syntax error\r\n
hscan one 0 count abc => -ERR value is not an integer or out of range\r\n
hscan one 0 foo => -ERR syntax error\r\n
hscan one 0 match => -ERR syntax error\r\n
hscan one 0 type string => -ERR syntax error\r\n
hscan nokey 0 foo => *2\r\n$1\r\n0\r\n*0\r\n
hscan nokey abc => -ERR invalid cursor\r\n
# Arity.
hset => -ERR wrong number of arguments for 'hset' command\r\n
hget h => -ERR wrong number of arguments for 'hget' command\r\n
hmget h => -ERR wrong number of arguments for 'hmget' command\r\n
hincrby h a => -ERR wrong number of arguments for 'hincrby' command\r\n
hrandfield => -ERR wrong number of arguments for 'hrandfield' command\r\n
hscan h => -ERR wrong number of arguments for 'hscan' command\r\n
`

func TestHashCommands(t *testing.T) {
	s := newTestServer(t)
	runScript(t, s.conn(), hashScript)
	s.conn().do("FLUSHALL")
	c := s.conn()
	c.do("HELLO", "3")
	// In RESP3 only the null differs for these commands.
	steps := parseScript(t, hashScript)
	for i := range steps {
		steps[i].want = strings.ReplaceAll(steps[i].want, "$-1\r\n", "_\r\n")
	}
	runSteps(t, c, steps, false)
}

func TestHashNullsAndMaps(t *testing.T) {
	s := newTestServer(t)
	c2, c3 := s.conn(), s.conn()
	c3.do("HELLO", "3")
	for _, tc := range []struct{ cmd, want2, want3 string }{
		{"hget nokey a", "$-1\r\n", "_\r\n"},
		{"hmget nokey a b", "*2\r\n$-1\r\n$-1\r\n", "*2\r\n_\r\n_\r\n"},
		{"hrandfield nokey", "$-1\r\n", "_\r\n"},
		{"hgetall nokey", "*0\r\n", "%0\r\n"},
		{"hset h a 1", ":1\r\n", ":0\r\n"},
		{"hgetall h", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "%1\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{"hmget h a b", "*2\r\n$1\r\n1\r\n$-1\r\n", "*2\r\n$1\r\n1\r\n_\r\n"},
		{"hrandfield h 4611686018427387903 withvalues", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{"hrandfield h 1 withvalues", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{"hrandfield h -2 withvalues", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n", "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{"hincrbyfloat h f 1.5", "$3\r\n1.5\r\n", "$1\r\n3\r\n"},
	} {
		args, err := splitArgs(tc.cmd)
		if err != nil {
			t.Fatal(err)
		}
		if got := c2.do(args...); got != tc.want2 {
			t.Errorf("RESP2 %s: %q, want %q", tc.cmd, got, tc.want2)
		}
		if got := c3.do(args...); got != tc.want3 {
			t.Errorf("RESP3 %s: %q, want %q", tc.cmd, got, tc.want3)
		}
	}
}

func TestHrandfieldCounts(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	want := map[string]string{}
	args := []string{"HSET", "h"}
	for i := 0; i < 50; i++ {
		f, v := fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i)
		want[f] = v
		args = append(args, f, v)
	}
	c.do(args...)
	distinct := map[string]bool{}
	for i := 0; i < 200; i++ {
		r := c.do("HRANDFIELD", "h")
		f := strings.Split(r, "\r\n")[1]
		if _, ok := want[f]; !ok {
			t.Fatalf("HRANDFIELD h: %q", r)
		}
		distinct[f] = true
	}
	if len(distinct) < 10 {
		t.Errorf("HRANDFIELD h gave %d distinct fields in 200 calls", len(distinct))
	}
	for _, n := range []int{1, 7, 49, 50, 80} {
		got := bulkStrings(t, c.do("HRANDFIELD", "h", strconv.Itoa(n)))
		seen := map[string]bool{}
		for _, f := range got {
			if _, ok := want[f]; !ok || seen[f] {
				t.Errorf("HRANDFIELD h %d: unknown or repeated field %q", n, f)
			}
			seen[f] = true
		}
		if len(got) != min(n, 50) {
			t.Errorf("HRANDFIELD h %d: %d fields", n, len(got))
		}
	}
	got := bulkStrings(t, c.do("HRANDFIELD", "h", "-200", "WITHVALUES"))
	if len(got) != 400 {
		t.Fatalf("HRANDFIELD h -200 WITHVALUES: %d items", len(got))
	}
	for i := 0; i < len(got); i += 2 {
		if want[got[i]] != got[i+1] {
			t.Errorf("HRANDFIELD WITHVALUES pairs %q with %q", got[i], got[i+1])
		}
	}
	if got := c.do("HRANDFIELD", "h", "-100000000"); got != "-ERR value is out of range\r\n" {
		t.Errorf("huge negative count: %q", got[:min(len(got), 50)])
	}
}

// HSCAN over a hash too big to be compact visits every field, in batches,
// and ends with cursor 0.
func TestHscanWalk(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	const n = 600 // past hash-max-listpack-entries, so HSCAN walks
	args := []string{"HSET", "big"}
	for i := 0; i < n; i++ {
		args = append(args, fmt.Sprintf("field:%d", i), strconv.Itoa(i))
	}
	c.do(args...)
	for _, count := range []string{"1", "7", "1000"} {
		seen := map[string]string{}
		cursor, calls := "0", 0
		for {
			reply := c.do("HSCAN", "big", cursor, "COUNT", count)
			lines := strings.Split(reply, "\r\n")
			cursor = lines[2]
			items := bulkStrings(t, strings.Join(lines[3:], "\r\n"))
			for i := 0; i < len(items); i += 2 {
				seen[items[i]] = items[i+1]
			}
			calls++
			if cursor == "0" || calls > 10*n {
				break
			}
		}
		if len(seen) != n {
			t.Errorf("COUNT %s: saw %d fields in %d calls", count, len(seen), calls)
		}
		for f, v := range seen {
			if "field:"+v != f {
				t.Errorf("COUNT %s: %s = %s", count, f, v)
			}
		}
		if count == "1" && calls < n/2 {
			t.Errorf("COUNT 1 finished in %d calls", calls)
		}
	}
	// MATCH filters within the walk.
	reply := c.do("HSCAN", "big", "0", "MATCH", "field:1?", "COUNT", "1000")
	items := bulkStrings(t, strings.Join(strings.Split(reply, "\r\n")[3:], "\r\n"))
	var fields []string
	for i := 0; i < len(items); i += 2 {
		fields = append(fields, items[i])
	}
	sort.Strings(fields)
	if len(fields) != 10 || fields[0] != "field:10" || fields[9] != "field:19" {
		t.Errorf("MATCH field:1?: %v", fields)
	}
	// A few fields with one long value: not compact, so COUNT applies.
	c.do("HSET", "wide", "a", strings.Repeat("x", 65), "b", "1", "c", "2", "d", "3")
	if got := c.do("HSCAN", "wide", "0", "COUNT", "1"); strings.HasPrefix(got, "*2\r\n$1\r\n0\r\n") {
		t.Errorf("non-compact hash came whole: %q", got)
	}
}

func TestHgetallBig(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	args := []string{"HMSET", "h"}
	for i := 0; i < 1000; i++ {
		args = append(args, strconv.Itoa(i), strings.Repeat("v", i%100))
	}
	c.do(args...)
	items := bulkStrings(t, c.do("HGETALL", "h"))
	if len(items) != 2000 {
		t.Fatalf("HGETALL: %d items", len(items))
	}
	for i := 0; i < len(items); i += 2 {
		n, _ := strconv.Atoi(items[i])
		if items[i+1] != strings.Repeat("v", n%100) {
			t.Fatalf("HGETALL %s = %q", items[i], items[i+1])
		}
	}
	if got := len(bulkStrings(t, c.do("HKEYS", "h"))); got != 1000 {
		t.Errorf("HKEYS: %d", got)
	}
	if got := len(bulkStrings(t, c.do("HVALS", "h"))); got != 1000 {
		t.Errorf("HVALS: %d", got)
	}
}

// Hash commands queue and run inside MULTI/EXEC, errors included.
func TestHashesInTransaction(t *testing.T) {
	s := newTestServer(t)
	runScript(t, s.conn(), `
multi => +OK\r\n
hset h a 1 => +QUEUED\r\n
hincrby h a 2 => +QUEUED\r\n
hincrbyfloat h a x => +QUEUED\r\n
hget h a => +QUEUED\r\n
hgetall h => +QUEUED\r\n
exec => *5\r\n:1\r\n:3\r\n-ERR value is not a valid float\r\n$1\r\n3\r\n*2\r\n$1\r\na\r\n$1\r\n3\r\n
`)
}
