package s3sync

import (
	"errors"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	good := []string{"a", "a/b", "a b/c d", "ünïcødé/ключ/键", "a+b%20c?d#e&f=g", "...", ".a/b.",
		"x/" + strings.Repeat("s", MaxKeySegment)}
	for _, k := range good {
		if err := ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", k, err)
		}
	}
	bad := []string{"", "/a", "a/", "a//b", ".", "..", "a/../b", "../a", "a/.", "./a", "a\x00b",
		"a\nb", "\xff", strings.Repeat("s", MaxKeySegment+1), strings.Repeat("a/", MaxKeyLen/2) + "a"}
	for _, k := range bad {
		if err := ValidKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}
