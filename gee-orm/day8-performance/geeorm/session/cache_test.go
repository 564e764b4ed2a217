package session

import (
	"strings"
	"sync"
	"testing"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/schema"
)

// newCachedSession returns a session with a cache of its own, closed
// when the test ends.
func newCachedSession(t *testing.T) (*Session, *Cache) {
	t.Helper()
	sqlite, _ := dialect.GetDialect("sqlite3")
	c := NewCache()
	t.Cleanup(func() { c.Close() })
	return NewCached(newTestDB(t), sqlite, c), c
}

func TestSessionsOfACacheShareOneSchema(t *testing.T) {
	s, c := newCachedSession(t)
	other := NewCached(s.db, s.dialect, c)
	first := s.Model(&User{}).RefTable()
	if other.Model(User{}).RefTable() != first || first.Err != nil || first.Name != "User" {
		t.Fatalf("two sessions of one cache: %p and %p (%+v)", first, other.RefTable(), first)
	}
	// A session without the cache parses on its own.
	if New(s.db, s.dialect).Model(&User{}).RefTable() == first {
		t.Error("a session without a cache got the cached schema")
	}
	// A type of the same name elsewhere is another model.
	type User struct{ Email string }
	if table := s.Model(&User{}).RefTable(); table.GetField("Email") == nil || table.GetField("Age") != nil {
		t.Errorf("local User got the schema %v", table.FieldNames)
	}
	// A model that cannot be mapped is not cached, and still says why.
	if err := s.Model(42).CreateTable(); err == nil || !strings.Contains(err.Error(), "not int") {
		t.Errorf("Model(42).CreateTable() = %v", err)
	}
}

func TestSchemaCacheIsSafeForConcurrentUse(t *testing.T) {
	s, c := newCachedSession(t)
	type Concurrent struct {
		ID   int
		Name string
	}
	const goroutines = 8
	got := make([]*schema.Schema, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i] = NewCached(s.db, s.dialect, c).Model(&Concurrent{}).RefTable()
		}()
	}
	close(start)
	wg.Wait()
	for i, table := range got {
		if table != got[0] || table.Err != nil || len(table.Fields) != 2 {
			t.Fatalf("goroutine %d got schema %p %+v, goroutine 0 got %p", i, table, table, got[0])
		}
	}
}

// Model runs on every call of an application; once its struct is parsed it
// must cost no allocation.
func TestModelOfACachedTypeDoesNotAllocate(t *testing.T) {
	s, _ := newCachedSession(t)
	user := &User{}
	s.Model(user)
	allocs := testing.AllocsPerRun(100, func() {
		s.refTable = nil
		s.Model(user)
	})
	if allocs != 0 {
		t.Errorf("Model of a parsed type made %v allocations, want 0", allocs)
	}
}

func TestStatementsArePreparedOncePerText(t *testing.T) {
	s, c := newCachedSession(t)
	s.Model(&User{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.Insert(&User{Name: strings.Repeat("x", i+1), Age: i}); err != nil {
			t.Fatal(err)
		}
	}
	insert := `INSERT INTO "User" ("Name", "Age") VALUES (?, ?)`
	if c.stmts[insert] == nil {
		t.Fatalf("no prepared statement for %s among %d", insert, len(c.stmts))
	}
	if n := len(c.stmts); n != 2 { // CREATE TABLE and INSERT
		t.Fatalf("%d prepared statements after one CREATE and three INSERTs of one text, want 2", n)
	}
	var users []User
	if err := s.Where("Age > ?", 0).Find(&users); err != nil || len(users) != 2 {
		t.Fatalf("Find through a prepared statement = %+v, %v", users, err)
	}
	// A statement that does not prepare runs as it is, and its error is
	// the statement's, not the cache's.
	if _, err := s.Raw("SELECT nonsense FROM nowhere").Exec(); err == nil || !strings.Contains(err.Error(), "no such table: nowhere") {
		t.Fatalf("a bad statement: err = %v, want SQLite's no such table", err)
	}
	if n := len(c.stmts); n != 3 { // and the SELECT
		t.Fatalf("%d prepared statements, want 3 (the bad one is not cached)", n)
	}
}

// Prepared statements of the cache run in the session's transaction:
// what the transaction wrote goes with its rollback.
func TestCachedStatementsRunInTheSessionsTransaction(t *testing.T) {
	s, c := newCachedSession(t)
	if err := s.Model(&User{}).CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&User{Name: "Tom"}); err != nil { // prepared outside
		t.Fatal(err)
	}
	if err := s.Begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&User{Name: "Sam"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(); err != nil || n != 2 {
		t.Fatalf("Count in the transaction = %d, %v; want 2", n, err)
	}
	if err := s.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(); err != nil || n != 1 {
		t.Fatalf("Count after Rollback = %d, %v; want 1", n, err)
	}
	if len(c.stmts) < 2 {
		t.Fatalf("%d prepared statements, want the INSERT and the count", len(c.stmts))
	}
	if inUse := s.db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections in use after the transaction, want 0", inUse)
	}
}

// SQL built from varying text must not grow the cache without end: past
// its bound, statements run unprepared.
func TestStatementCacheIsBounded(t *testing.T) {
	s, c := newCachedSession(t)
	c.maxStmts = 2
	for _, query := range []string{"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 3"} {
		var n int
		if err := s.Raw(query).QueryRow().Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	if len(c.stmts) != 2 || c.stmts["SELECT 3"] != nil {
		t.Fatalf("cache holds %d statements (SELECT 3: %v), want 2 without SELECT 3", len(c.stmts), c.stmts["SELECT 3"])
	}
}

func TestClosedCacheClosesItsStatementsAndPreparesNoMore(t *testing.T) {
	s, c := newCachedSession(t)
	var n int
	if err := s.Raw("SELECT 1").QueryRow().Scan(&n); err != nil {
		t.Fatal(err)
	}
	stmt := c.stmts["SELECT 1"]
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := stmt.Exec(); err == nil {
		t.Error("a statement of the closed cache still runs")
	}
	if err := s.Raw("SELECT 1").QueryRow().Scan(&n); err != nil || n != 1 || len(c.stmts) != 0 {
		t.Fatalf("after Close: %d, %v, %d statements cached; want 1, nil, 0", n, err, len(c.stmts))
	}
}

// With a Limit, Find makes room for the rows before they come, up to a
// bound: a huge Limit must not make a huge slice.
func TestFindMakesRoomForTheLimitUpToABound(t *testing.T) {
	s, _ := newCachedSession(t)
	s.Model(&User{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&User{"Tom", 18}, &User{"Sam", 25}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ limit, wantCap int }{{5, 5}, {1 << 30, maxPresized}} {
		var users []User
		if err := s.Limit(tt.limit).Find(&users); err != nil || len(users) != 2 || cap(users) != tt.wantCap {
			t.Errorf("Limit(%d).Find = %d users, cap %d, %v; want 2, cap %d", tt.limit, len(users), cap(users), err, tt.wantCap)
		}
	}
}

// A model without a hook costs no zero value per call.
func TestModelWithoutHooksAllocatesNothingForThem(t *testing.T) {
	s, _ := newCachedSession(t)
	userType := schema.StructType(&User{})
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.callModelHook(beforeUpdate, userType); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("callModelHook without the hook made %v allocations, want 0", allocs)
	}
}
