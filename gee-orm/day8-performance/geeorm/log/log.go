// Package log is geeorm's levelled logger. Every SQL statement is logged
// with its bound values at info level, every failure at error level, so a
// reader can see exactly what the ORM sends to the database.
package log

import (
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"
)

// Levels accepted by SetLevel. A level shows its own messages and those of
// the levels above it: InfoLevel shows everything, Disabled shows nothing.
const (
	InfoLevel = iota
	ErrorLevel
	Disabled
)

var (
	errorLog = log.New(os.Stdout, "[error] ", log.Ltime)
	infoLog  = log.New(os.Stdout, "[info]  ", log.Ltime)

	mu     sync.Mutex
	out    io.Writer = os.Stdout
	level            = InfoLevel
	infoOn atomic.Bool
)

func init() { infoOn.Store(true) }

// Info and Error log at their level; the f variants format like fmt.Printf.
var (
	Info   = infoLog.Println
	Infof  = infoLog.Printf
	Error  = errorLog.Println
	Errorf = errorLog.Printf
)

// SetLevel chooses which messages are written: InfoLevel (all),
// ErrorLevel (errors only) or Disabled (none).
func SetLevel(l int) {
	mu.Lock()
	defer mu.Unlock()
	level = l
	apply()
}

// InfoEnabled reports whether info messages are written, so a caller can
// skip preparing a message nobody will see.
func InfoEnabled() bool {
	return infoOn.Load()
}

// SetOutput sends the messages of the enabled levels to w (os.Stdout by default).
func SetOutput(w io.Writer) {
	mu.Lock()
	defer mu.Unlock()
	out = w
	apply()
}

// apply routes each logger to out or discards it; callers hold mu.
func apply() {
	infoLog.SetOutput(out)
	errorLog.SetOutput(out)
	infoOn.Store(level <= InfoLevel)
	if level > InfoLevel {
		infoLog.SetOutput(io.Discard)
	}
	if level > ErrorLevel {
		errorLog.SetOutput(io.Discard)
	}
}
