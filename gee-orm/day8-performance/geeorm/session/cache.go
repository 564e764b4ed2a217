package session

import (
	"database/sql"
	"errors"
	"reflect"
	"sync"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/schema"
)

// maxStatements bounds the statement cache: past it, statements run
// unprepared, so SQL built from varying text cannot grow it without end.
const maxStatements = 1000

// Cache is what the sessions of one engine share, so that a session per
// call costs no repeated work: the schema of each model type, parsed once,
// and a prepared statement per SQL text, which SQLite then does not parse
// and plan again. The engine closes it with the database.
type Cache struct {
	schemas sync.Map // reflect.Type → *schema.Schema

	mu       sync.Mutex
	stmts    map[string]*sql.Stmt
	maxStmts int // maxStatements; tests lower it
	closed   bool
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{stmts: make(map[string]*sql.Stmt), maxStmts: maxStatements}
}

// NewCached returns a session on db that shares c with the engine's other
// sessions.
func NewCached(db *sql.DB, dialect dialect.Dialect, c *Cache) *Session {
	return &Session{db: db, dialect: dialect, cache: c}
}

// schema returns the schema of struct type t in dialect d (one engine has
// one dialect), parsing it the first time.
func (c *Cache) schema(t reflect.Type, d dialect.Dialect) *schema.Schema {
	if cached, ok := c.schemas.Load(t); ok {
		return cached.(*schema.Schema)
	}
	cached, _ := c.schemas.LoadOrStore(t, schema.Parse(reflect.New(t).Interface(), d))
	return cached.(*schema.Schema)
}

// stmt returns the statement prepared for query on db, preparing it the
// first time; nil when it cannot be prepared (the caller runs query
// unprepared and reports its error) or the cache is full or closed.
func (c *Cache) stmt(db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	stmt, ok := c.stmts[query]
	full := c.closed || len(c.stmts) >= c.maxStmts
	c.mu.Unlock()
	if ok || full {
		return stmt
	}
	stmt, err := db.Prepare(query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cached, ok := c.stmts[query]; ok || c.closed || len(c.stmts) >= c.maxStmts {
		// Another session prepared it meanwhile, or the engine closed.
		stmt.Close()
		return cached
	}
	c.stmts[query] = stmt
	return stmt
}

// Close closes every prepared statement; later sessions run unprepared.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for query, stmt := range c.stmts {
		errs = append(errs, stmt.Close())
		delete(c.stmts, query)
	}
	return errors.Join(errs...)
}
