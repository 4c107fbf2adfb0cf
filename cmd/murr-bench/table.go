package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Unit says how a row's values are measured and printed, and which
// direction is better.
type Unit int

const (
	// OpsPerSec is a throughput: higher is better.
	OpsPerSec Unit = iota
	// Bytes is a size such as resident memory: lower is better.
	Bytes
	// RowsPerSec is an ingest throughput in rows: higher is better.
	RowsPerSec
	// BytesPerRow is storage per row: lower is better.
	BytesPerRow
	// Millis is a latency in milliseconds: lower is better.
	Millis
	// BytesPerRead is what one read received: lower is better.
	BytesPerRead
	// MiBPerSec is a transfer rate, in bytes/s printed as MiB/s: higher
	// is better.
	MiBPerSec
	// Seconds is a duration or age in seconds: lower is better.
	Seconds
)

func (u Unit) String() string {
	switch u {
	case OpsPerSec:
		return "ops/s"
	case Bytes:
		return "MiB"
	case RowsPerSec:
		return "rows/s"
	case BytesPerRow:
		return "bytes/row"
	case Millis:
		return "ms"
	case BytesPerRead:
		return "B/read"
	case MiBPerSec:
		return "MiB/s"
	case Seconds:
		return "s"
	}
	return "?"
}

// higherIsBetter reports the direction of the unit.
func (u Unit) higherIsBetter() bool { return u == OpsPerSec || u == RowsPerSec || u == MiBPerSec }

// format prints v in the unit: throughputs as whole numbers with
// thousands separators, sizes in MiB with one decimal, bytes per row
// with one decimal, latencies in milliseconds with three decimals.
func (u Unit) format(v float64) string {
	switch u {
	case Millis:
		return strconv.FormatFloat(v, 'f', 3, 64) + " ms"
	case Bytes:
		return strconv.FormatFloat(v/(1<<20), 'f', 1, 64) + " MiB"
	case BytesPerRow:
		return strconv.FormatFloat(v, 'f', 1, 64) + " " + u.String()
	case MiBPerSec:
		return strconv.FormatFloat(v/(1<<20), 'f', 1, 64) + " " + u.String()
	case Seconds:
		return strconv.FormatFloat(v, 'f', 3, 64) + " s"
	default:
		return groupThousands(int64(math.Round(v))) + " " + u.String()
	}
}

// Row is one measurement taken on both servers. A missing value is NaN;
// Err (if set) explains why and is printed instead of the number.
type Row struct {
	Name       string
	Unit       Unit
	Redis      float64
	Sidecar    float64
	RedisErr   string
	SidecarErr string
	// Goal is the budget for Sidecar/Redis from DESIGN.md, 0 if none:
	// a minimum for higher-is-better units, a maximum otherwise.
	Goal float64
	// Note is printed at the end of the row (e.g. "n reduced").
	Note string
}

// Ratio returns Sidecar/Redis, or NaN if either is missing or Redis is 0.
func (r Row) Ratio() float64 {
	if math.IsNaN(r.Redis) || math.IsNaN(r.Sidecar) || r.Redis == 0 {
		return math.NaN()
	}
	return r.Sidecar / r.Redis
}

// goalText renders the budget and whether the ratio meets it.
func (r Row) goalText() string {
	if r.Goal == 0 {
		return ""
	}
	op := ">="
	if !r.Unit.higherIsBetter() {
		op = "<="
	}
	s := fmt.Sprintf("%s %.2fx", op, r.Goal)
	ratio := r.Ratio()
	if math.IsNaN(ratio) {
		return s
	}
	ok := ratio >= r.Goal
	if !r.Unit.higherIsBetter() {
		ok = ratio <= r.Goal
	}
	if ok {
		return s + " ok"
	}
	return s + " MISS"
}

// Table is a titled list of rows printed side by side: Redis, sidecar,
// and the sidecar/redis ratio.
type Table struct {
	Title string
	// SidecarLabel names the sidecar column ("sidecar" unless the column
	// is really something else, as with --sidecar-is-redis).
	SidecarLabel string
	// RefLabel names the column the sidecar is compared with ("redis"
	// unless a workload measures against something else).
	RefLabel string
	Rows     []Row
	// Notes are printed under the rows, one indented line each.
	Notes []string
}

// Write prints the table with aligned columns: the name left-aligned,
// numbers and ratio right-aligned, goal and note left-aligned.
func (t *Table) Write(w io.Writer) error {
	side, ref := t.sidecarLabel(), t.refLabel()
	cells := [][]string{{"test", ref, side, side + "/" + ref, "goal", ""}}
	for _, r := range t.Rows {
		ratio := "-"
		if q := r.Ratio(); !math.IsNaN(q) {
			ratio = strconv.FormatFloat(q, 'f', 2, 64) + "x"
		}
		cells = append(cells, []string{
			r.Name,
			cell(r.Unit, r.Redis, r.RedisErr),
			cell(r.Unit, r.Sidecar, r.SidecarErr),
			ratio,
			r.goalText(),
			r.Note,
		})
	}
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(t.Title)
		b.WriteByte('\n')
	}
	for _, row := range cells {
		var line strings.Builder
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len(c))
			if i >= 1 && i <= 3 {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	for _, n := range t.Notes {
		b.WriteString("  ")
		b.WriteString(n)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(u Unit, v float64, errText string) string {
	if errText != "" {
		return "error"
	}
	if math.IsNaN(v) {
		return "-"
	}
	return u.format(v)
}

// maxErrLen bounds an error text printed under a table.
const maxErrLen = 200

// Errors lists the rows' error texts for printing under the table, one
// line per distinct text and column, naming the rows it applies to.
func (t *Table) Errors() []string {
	type key struct{ column, msg string }
	var order []key
	names := map[key][]string{}
	add := func(column, msg, name string) {
		if msg == "" {
			return
		}
		msg = strings.TrimSpace(msg)
		if len(msg) > maxErrLen {
			msg = msg[:maxErrLen] + "..."
		}
		k := key{column, msg}
		if _, ok := names[k]; !ok {
			order = append(order, k)
		}
		names[k] = append(names[k], name)
	}
	for _, r := range t.Rows {
		add(t.refLabel(), r.RedisErr, r.Name)
		add(t.sidecarLabel(), r.SidecarErr, r.Name)
	}
	out := make([]string, len(order))
	for i, k := range order {
		out[i] = fmt.Sprintf("%s on %s: %s", strings.Join(names[k], ", "), k.column, k.msg)
	}
	return out
}

func (t *Table) refLabel() string {
	if t.RefLabel == "" {
		return "redis"
	}
	return t.RefLabel
}

func (t *Table) sidecarLabel() string {
	if t.SidecarLabel == "" {
		return "sidecar"
	}
	return t.SidecarLabel
}

// groupThousands formats n with commas between groups of three digits.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
