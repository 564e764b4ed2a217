// Package geeorm is a small ORM over database/sql. An Engine owns the
// database connection pool; each unit of work runs on a Session taken from it.
package geeorm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/session"
)

// Engine is the entry point of geeorm: it holds the database and hands out sessions.
type Engine struct {
	db      *sql.DB
	dialect dialect.Dialect
	cache   *session.Cache // schemas and prepared statements of its sessions
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
	return &Engine{db: db, dialect: dial, cache: session.NewCache()}, nil
}

// Close closes the engine's prepared statements and its database; sessions
// of the engine must not be used afterwards.
func (e *Engine) Close() error {
	if err := errors.Join(e.cache.Close(), e.db.Close()); err != nil {
		log.Error("failed to close database:", err)
		return fmt.Errorf("geeorm: close: %w", err)
	}
	log.Info("close database success")
	return nil
}

// NewSession returns a fresh session on the engine's database.
func (e *Engine) NewSession() *session.Session {
	return session.NewCached(e.db, e.dialect, e.cache)
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

// Migrate brings the table of value's struct to the struct's fields (see
// session.Session.Migrate) the way SQLite's procedure for changing a table
// asks: foreign keys off on its own connection before the transaction (a
// rebuild drops the old table, which with them on would run the ON DELETE
// action of every row that references it), one transaction, and PRAGMA
// foreign_key_check before the commit. If any step fails, nothing changes.
func (e *Engine) Migrate(value any) error {
	ctx := context.Background()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("geeorm: migrate: %w", err)
	}
	defer conn.Close()
	var foreignKeys bool
	err = conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys)
	if err == nil && foreignKeys {
		defer conn.ExecContext(ctx, "PRAGMA foreign_keys = ON") // before Close returns it to the pool
		_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF")
	}
	var tx *sql.Tx
	if err == nil {
		tx, err = conn.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("geeorm: migrate: %w", err)
	}
	defer tx.Rollback() // does nothing once committed
	log.Info("transaction begin")
	s := session.NewTx(e.db, tx, e.dialect)
	if err = s.Model(value).Migrate(); err == nil && foreignKeys {
		var table, parent string
		var rowid, index any
		err = s.Raw("PRAGMA foreign_key_check").QueryRow().Scan(&table, &rowid, &parent, &index)
		if err == nil {
			err = fmt.Errorf("geeorm: migrate: row %v of %s references a row of %s that does not exist", rowid, table, parent)
		} else if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	}
	if err != nil {
		return errors.Join(err, s.Rollback())
	}
	return s.Commit()
}
