// Package geeorm is a small ORM over database/sql. An Engine owns the
// database connection pool; each unit of work runs on a Session taken from it.
package geeorm

import (
	"database/sql"
	"fmt"

	"gee-orm/day5-hooks/geeorm/dialect"
	"gee-orm/day5-hooks/geeorm/log"
	"gee-orm/day5-hooks/geeorm/session"
)

// Engine is the entry point of geeorm: it holds the database and hands out sessions.
type Engine struct {
	db      *sql.DB
	dialect dialect.Dialect
}

// NewEngine opens the database source with the named database/sql driver and
// pings it, so that a wrong driver name or an unreachable database is an
// error here rather than on the first query.
func NewEngine(driver, source string) (*Engine, error) {
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
