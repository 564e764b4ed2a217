// Package clause builds SQL statements from clauses (SELECT, WHERE, LIMIT,
// ...) that are set in any order and put together in the order asked for.
// Values never enter the SQL text: each is a ? with a bound value.
package clause

import "strings"

// Type names a clause.
type Type int

// The clauses a statement can be built from.
const (
	INSERT Type = iota
	VALUES
	SELECT
	LIMIT
	WHERE
	ORDERBY
	OFFSET
	UPDATE
	DELETE
	COUNT
	numTypes // how many clause types there are
)

// Clause collects the clauses of one statement, indexed by their Type:
// arrays in the session itself, where maps cost two allocations and a hash
// per clause.
type Clause struct {
	set     [numTypes]bool
	sql     [numTypes]string
	sqlVars [numTypes][]any
}

// Set generates the clause name from vars. Setting a clause again replaces
// it, except WHERE: a second condition is joined to the first with AND.
func (c *Clause) Set(name Type, vars ...any) {
	sql, values := generators[name](vars...)
	if name == WHERE && c.set[WHERE] {
		c.sql[WHERE] += " AND " + strings.TrimPrefix(sql, "WHERE ")
		c.sqlVars[WHERE] = append(c.sqlVars[WHERE], values...)
		return
	}
	c.set[name] = true
	c.sql[name] = sql
	c.sqlVars[name] = values
}

// Has reports whether the clause name was set.
func (c *Clause) Has(name Type) bool {
	return c.set[name]
}

// Build joins the clauses that were set, in the given order, into one
// statement and returns it with its values in placeholder order. It
// measures first, so the text and the values each take one allocation.
func (c *Clause) Build(orders ...Type) (string, []any) {
	size, numVars := 0, 0
	for _, order := range orders {
		if c.set[order] {
			size += len(c.sql[order]) + 1
			numVars += len(c.sqlVars[order])
		}
	}
	var sql strings.Builder
	sql.Grow(size)
	vars := make([]any, 0, numVars)
	for _, order := range orders {
		if c.set[order] {
			if sql.Len() > 0 {
				sql.WriteByte(' ')
			}
			sql.WriteString(c.sql[order])
			vars = append(vars, c.sqlVars[order]...)
		}
	}
	return sql.String(), vars
}
