package main

import (
	"math"
	"strings"
	"testing"
)

func TestTableWrite(t *testing.T) {
	tb := &Table{
		Title: "ops: ops/s",
		Rows: []Row{
			{Name: "GET", Unit: OpsPerSec, Redis: 812345.4, Sidecar: 1624690.8, Goal: 1},
			{Name: "MGET (100 keys)", Unit: OpsPerSec, Redis: 9000, Sidecar: 4500, Note: "sidecar: n=1,000 (time limit)"},
			{Name: "HGET", Unit: OpsPerSec, Redis: 100, Sidecar: math.NaN(), SidecarErr: "ERR unknown command 'HGET'", Goal: 1},
			{Name: "RSS", Unit: Bytes, Redis: 10 << 20, Sidecar: 5 << 20, Goal: 0.5},
		},
	}
	var b strings.Builder
	if err := tb.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `ops: ops/s
test                     redis          sidecar  sidecar/redis  goal
GET              812,345 ops/s  1,624,691 ops/s          2.00x  >= 1.00x ok
MGET (100 keys)    9,000 ops/s      4,500 ops/s          0.50x               sidecar: n=1,000 (time limit)
HGET                 100 ops/s            error              -  >= 1.00x
RSS                   10.0 MiB          5.0 MiB          0.50x  <= 0.50x ok
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	errs := tb.Errors()
	if len(errs) != 1 || errs[0] != "HGET on sidecar: ERR unknown command 'HGET'" {
		t.Errorf("Errors() = %q", errs)
	}
}

func TestTableGoalMiss(t *testing.T) {
	for _, tc := range []struct {
		row  Row
		want string
	}{
		{Row{Unit: OpsPerSec, Redis: 100, Sidecar: 99, Goal: 1}, ">= 1.00x MISS"},
		{Row{Unit: OpsPerSec, Redis: 100, Sidecar: 100, Goal: 1}, ">= 1.00x ok"},
		{Row{Unit: Bytes, Redis: 100, Sidecar: 51, Goal: 0.5}, "<= 0.50x MISS"},
		{Row{Unit: Bytes, Redis: 0, Sidecar: 51, Goal: 0.5}, "<= 0.50x"},
		{Row{Unit: OpsPerSec, Redis: 1, Sidecar: 2}, ""},
	} {
		if got := tc.row.goalText(); got != tc.want {
			t.Errorf("%+v: goalText() = %q, want %q", tc.row, got, tc.want)
		}
	}
}

func TestTableErrorsGrouped(t *testing.T) {
	tb := &Table{SidecarLabel: "redis2", Rows: []Row{
		{Name: "GET", SidecarErr: "preload: boom", Redis: 1, Sidecar: math.NaN()},
		{Name: "SET", SidecarErr: "preload: boom", RedisErr: "other", Redis: math.NaN(), Sidecar: math.NaN()},
	}}
	got := strings.Join(tb.Errors(), "\n")
	want := "GET, SET on redis2: preload: boom\nSET on redis: other"
	if got != want {
		t.Errorf("Errors():\n%s\nwant\n%s", got, want)
	}
}

func TestGroupThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", n, got, want)
		}
	}
}
