// Package geeorm is a small ORM over database/sql. An Engine owns the
// database connection pool; each unit of work runs on a Session taken from it.
package geeorm

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gee-orm/day6-transaction/geeorm/dialect"
	"gee-orm/day6-transaction/geeorm/log"
	"gee-orm/day6-transaction/geeorm/session"
)

// Engine is the entry point of geeorm: it holds the database and hands out sessions.
type Engine struct {
	db      *sql.DB
	dialect dialect.Dialect
}

// NewEngine opens the database source with the named database/sql driver and
// pings it, so that a wrong driver name or an unreachable database is an
// error here rather than on the first query. SQLite transactions begin with
// BEGIN IMMEDIATE (go-sqlite3's _txlock=immediate, unless source sets
// _txlock), which takes the write lock at once: a second writer waits for
// it, up to the busy timeout, instead of failing at its first write.
func NewEngine(driver, source string) (*Engine, error) {
	if driver == "sqlite3" && !strings.Contains(source, "_txlock=") {
		separator := "?"
		if strings.Contains(source, "?") {
			separator = "&"
		}
		source += separator + "_txlock=immediate"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		log.Error(err)
		return nil, fmt.Errorf("geeorm: open %s: %w", driver, err)
	}
	if err := db.Ping(); err != nil {
		_ = db.Close()
		log.Error(err)
		return nil, fmt.Errorf("geeorm: ping %s: %w", driver, err)
	}
	dial, ok := dialect.GetDialect(driver)
	if !ok {
		_ = db.Close()
		log.Error("no dialect for", driver)
		return nil, fmt.Errorf("geeorm: dialect %s not found", driver)
	}
	log.Info("connect database success")
	return &Engine{db: db, dialect: dial}, nil
}

// Close closes the database; sessions of the engine must not be used afterwards.
func (e *Engine) Close() error {
	if err := e.db.Close(); err != nil {
		log.Error("failed to close database:", err)
		return fmt.Errorf("geeorm: close: %w", err)
	}
	log.Info("close database success")
	return nil
}

// NewSession returns a fresh session on the engine's database.
func (e *Engine) NewSession() *session.Session {
	return session.New(e.db, e.dialect)
}

// Transaction runs f on a new session inside a transaction. It commits
// when f returns a nil error, rolls back when f returns an error (which it
// returns), and rolls back and panics again when f panics.
func (e *Engine) Transaction(f func(*session.Session) (any, error)) (result any, err error) {
	if f == nil {
		return nil, errors.New("geeorm: transaction needs a function to run")
	}
	s := e.NewSession()
	if err := s.Begin(); err != nil {
		return nil, err
	}
	returned := false
	defer func() {
		if returned {
			return
		}
		// f panicked, or ended its goroutine with runtime.Goexit (as
		// t.FailNow does) and recover returns nil: roll back either way, so
		// the transaction does not keep its connection and its locks.
		p := recover()
		_ = s.Rollback() // logged; the panic is what the caller must see
		if p != nil {
			panic(p)
		}
	}()

	result, err = f(s)
	returned = true
	if err != nil {
		if rbErr := s.Rollback(); rbErr != nil {
			return result, errors.Join(err, rbErr)
		}
		return result, err
	}
	if err := s.Commit(); err != nil {
		return result, err
	}
	return result, nil
}
