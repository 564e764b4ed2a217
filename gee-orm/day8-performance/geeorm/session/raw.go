// Package session runs SQL for geeorm: a Session collects one statement and
// its bound values, logs them, and executes them on the database.
package session

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"gee-orm/day8-performance/geeorm/clause"
	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/schema"
)

// Session builds and runs statements on one database. It is not safe for
// concurrent use; take a new one from the engine for each goroutine.
type Session struct {
	db      *sql.DB
	sql     string // the statement being built
	sqlVars []any

	dialect  dialect.Dialect
	refTable *schema.Schema // the model's table, set by Model
	clause   clause.Clause  // the clauses of the statement being built
	tx       *sql.Tx        // set between Begin and Commit or Rollback
	cache    *Cache         // shared with the engine's sessions; nil: none
	limit    int            // the Limit of the statement being built, 0 if none
}

// New returns a session on db.
func New(db *sql.DB, dialect dialect.Dialect) *Session {
	return &Session{db: db, dialect: dialect}
}

// Clear forgets the statement being built, so the session can start the next one.
func (s *Session) Clear() {
	s.sql = ""
	s.sqlVars = nil
	s.clause = clause.Clause{}
	s.limit = 0
}

// CommonDB is what *sql.DB and *sql.Tx have in common: a session runs its
// statements on whichever of the two it holds.
type CommonDB interface {
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
	Exec(query string, args ...any) (sql.Result, error)
}

var (
	_ CommonDB = (*sql.DB)(nil)
	_ CommonDB = (*sql.Tx)(nil)
)

// DB returns what the session runs on: its transaction between Begin and
// Commit or Rollback, else the database.
func (s *Session) DB() CommonDB {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

// Raw appends sql to the statement being built and values to its bound
// parameters. Values are never spliced into the text: each ? in sql is
// bound by the driver.
func (s *Session) Raw(sql string, values ...any) *Session {
	if s.sql != "" {
		s.sql += " "
	}
	s.sql += sql
	// append copies the values: a later append must not write into the
	// caller's array.
	s.sqlVars = append(s.sqlVars, values...)
	return s
}

// logStatement logs the statement and its values at info level.
func (s *Session) logStatement() {
	if log.InfoEnabled() { // spare the arguments' allocations when nobody reads them
		log.Info(s.sql, loggedValues(s.sqlVars))
	}
}

// loggedValues writes values as Go source would, so that an empty string
// or one holding spaces stays visible in the log: [1 "Tom again" ""].
func loggedValues(values []any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(' ')
		}
		if str, ok := v.(string); ok {
			b.WriteString(strconv.Quote(str))
		} else {
			fmt.Fprint(&b, v)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// prepared returns the cached prepared statement of the statement being
// built, as a statement of the session's transaction when it is in one;
// nil when the session has no cache or the statement is not cached.
func (s *Session) prepared() *sql.Stmt {
	if s.cache == nil {
		return nil
	}
	stmt := s.cache.stmt(s.db, s.sql)
	if stmt != nil && s.tx != nil {
		return s.tx.Stmt(stmt) // closed with the transaction
	}
	return stmt
}

// Exec runs the statement with its values and clears the session.
func (s *Session) Exec() (result sql.Result, err error) {
	defer s.Clear()
	s.logStatement()
	if stmt := s.prepared(); stmt != nil {
		result, err = stmt.Exec(s.sqlVars...)
	} else {
		result, err = s.DB().Exec(s.sql, s.sqlVars...)
	}
	if err != nil {
		log.Error(err)
	}
	return
}

// QueryRow runs the statement and returns its first row; errors surface
// from the row's Scan.
func (s *Session) QueryRow() *sql.Row {
	defer s.Clear()
	s.logStatement()
	if stmt := s.prepared(); stmt != nil {
		return stmt.QueryRow(s.sqlVars...)
	}
	return s.DB().QueryRow(s.sql, s.sqlVars...)
}

// QueryRows runs the statement and returns its rows; the caller closes them.
func (s *Session) QueryRows() (rows *sql.Rows, err error) {
	defer s.Clear()
	s.logStatement()
	if stmt := s.prepared(); stmt != nil {
		rows, err = stmt.Query(s.sqlVars...)
	} else {
		rows, err = s.DB().Query(s.sql, s.sqlVars...)
	}
	if err != nil {
		log.Error(err)
	}
	return
}
