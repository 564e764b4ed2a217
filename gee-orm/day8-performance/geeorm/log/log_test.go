package log

import (
	"bytes"
	"strings"
	"testing"
)

func TestSetLevel(t *testing.T) {
	var buf bytes.Buffer
	SetOutput(&buf)
	t.Cleanup(func() { SetLevel(InfoLevel) })

	tests := []struct {
		level               int
		wantInfo, wantError bool
	}{
		{InfoLevel, true, true},
		{ErrorLevel, false, true},
		{Disabled, false, false},
	}
	for _, tt := range tests {
		buf.Reset()
		SetLevel(tt.level)
		Info("an info line")
		Errorf("an error line %d", 42)
		got := buf.String()
		if InfoEnabled() != tt.wantInfo {
			t.Errorf("level %d: InfoEnabled() = %v, want %v", tt.level, !tt.wantInfo, tt.wantInfo)
		}
		if strings.Contains(got, "[info]  ") != tt.wantInfo || strings.Contains(got, "an info line") != tt.wantInfo {
			t.Errorf("level %d: info shown = %v, want %v (output %q)", tt.level, !tt.wantInfo, tt.wantInfo, got)
		}
		if strings.Contains(got, "[error] ") != tt.wantError || strings.Contains(got, "an error line 42") != tt.wantError {
			t.Errorf("level %d: error shown = %v, want %v (output %q)", tt.level, !tt.wantError, tt.wantError, got)
		}
	}
}
