package ratelog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestLimiterLogsOncePerInterval(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil))
	var r Limiter
	for range 5 {
		r.Log(l, slog.LevelWarn, "upload failed", errors.New("boom"))
	}
	if n := strings.Count(buf.String(), "upload failed"); n != 1 {
		t.Fatalf("%d lines in one interval, want 1:\n%s", n, buf.String())
	}
	r.last = r.last.Add(-Interval) // the interval has passed
	r.Log(l, slog.LevelWarn, "upload failed", errors.New("boom"))
	if !strings.Contains(buf.String(), "suppressed=4") || !strings.Contains(buf.String(), "level=WARN") {
		t.Fatalf("second line does not count the 4 held back:\n%s", buf.String())
	}
}
