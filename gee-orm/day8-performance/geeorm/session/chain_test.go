package session

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// newUserSession returns a session on a User table holding Tom 18, Sam 25 and Kate 30.
func newUserSession(t *testing.T) *Session {
	t.Helper()
	s := newTestSession(t).Model(&User{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&User{"Tom", 18}, &User{"Sam", 25}, &User{"Kate", 30}); err != nil {
		t.Fatal(err)
	}
	return s
}

func names(users []User) string {
	var out []string
	for _, u := range users {
		out = append(out, u.Name)
	}
	return strings.Join(out, ",")
}

func TestWhereOrderByLimit(t *testing.T) {
	s := newUserSession(t)
	var users []User
	if err := s.Where("Age > ?", 20).OrderBy("Age DESC").Limit(1).Find(&users); err != nil {
		t.Fatal(err)
	}
	if got := names(users); got != "Kate" {
		t.Fatalf("oldest over 20 = %s, want Kate", got)
	}
	// The clauses were used up: the next Find sees every row.
	if err := s.Find(&users); err != nil || len(users) != 3 {
		t.Fatalf("next Find = %d rows, %v; want 3", len(users), err)
	}
}

// The well-known version kept only the last Where.
func TestWhereTwiceMeansAnd(t *testing.T) {
	s := newUserSession(t)
	var users []User
	if err := s.Where("Age > ?", 20).Where("Name = ? OR Name = ?", "Tom", "Sam").Find(&users); err != nil {
		t.Fatal(err)
	}
	if got := names(users); got != "Sam" {
		t.Fatalf("Age > 20 AND (Tom or Sam) = %q, want Sam", got)
	}
	n, err := s.Where("Age > ?", 20).Where("Age < ?", 30).Count()
	if err != nil || n != 1 {
		t.Fatalf("Count(20 < Age < 30) = %d, %v; want 1", n, err)
	}
}

func TestFirst(t *testing.T) {
	s := newUserSession(t)
	var u User
	if err := s.OrderBy("Age DESC").First(&u); err != nil || u != (User{"Kate", 30}) {
		t.Fatalf("First = %+v, %v; want Kate 30", u, err)
	}
	err := s.Where("Name = ?", "Nobody").First(&u)
	if !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("First with no match: err = %v, want ErrRecordNotFound", err)
	}
	if u != (User{"Kate", 30}) {
		t.Fatalf("First with no match changed its argument to %+v", u)
	}
	if err := s.First(u); err == nil || !strings.Contains(err.Error(), "pointer to a struct") {
		t.Fatalf("First(struct value): err = %v", err)
	}
}

func TestUpdate(t *testing.T) {
	s := newUserSession(t)
	n, err := s.Where("Name = ?", "Tom").Update("Age", 19)
	if err != nil || n != 1 {
		t.Fatalf("Update pairs = %d, %v; want 1", n, err)
	}
	n, err = s.Where("Age >= ?", 25).Update(map[string]any{"Age": 40})
	if err != nil || n != 2 {
		t.Fatalf("Update map = %d, %v; want 2", n, err)
	}
	var users []User
	if err := s.OrderBy("Name").Find(&users); err != nil {
		t.Fatal(err)
	}
	want := []User{{"Kate", 40}, {"Sam", 40}, {"Tom", 19}}
	for i := range want {
		if users[i] != want[i] {
			t.Fatalf("after updates: %+v, want %+v", users, want)
		}
	}
}

// The well-known version panicked on an odd number of arguments.
func TestUpdateWithOddArgumentsIsAnError(t *testing.T) {
	s := newUserSession(t)
	tests := []struct {
		name string
		kv   []any
		want string
	}{
		{"odd pairs", []any{"Age", 1, "Name"}, "not [Age 1 Name]"},
		{"nothing", nil, "not []"},
		{"not a map", []any{"Age"}, "not [Age]"},
		{"empty map", []any{map[string]any{}}, "not [map[]]"},
		{"non-string column", []any{1, 2}, "not [1 2]"},
		{"unknown column", []any{"Salary", 1}, `unknown column "Salary" in User`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.Where("Name = ?", "Tom").Update(tt.kv...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || n != 0 {
				t.Fatalf("Update(%v) = %d, %v; want 0 and an error containing %q", tt.kv, n, err, tt.want)
			}
		})
	}
	// Nothing changed, and the failed calls' Where did not stick to the session.
	if n, err := s.Count(); err != nil || n != 3 {
		t.Fatalf("Count after failed updates = %d, %v; want 3", n, err)
	}
	var tom User
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil || tom.Age != 18 {
		t.Fatalf("Tom = %+v, %v; want age 18", tom, err)
	}
}

func TestDeleteAndCount(t *testing.T) {
	s := newUserSession(t)
	n, err := s.Where("Age < ?", 26).Delete()
	if err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v; want 2", n, err)
	}
	if n, err := s.Count(); err != nil || n != 1 {
		t.Fatalf("Count = %d, %v; want 1", n, err)
	}
}

func TestChainWithoutModelIsAnError(t *testing.T) {
	s := newTestSession(t)
	if _, err := s.Update("Age", 1); !errors.Is(err, ErrModelNotSet) {
		t.Errorf("Update: %v", err)
	}
	if _, err := s.Delete(); !errors.Is(err, ErrModelNotSet) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := s.Count(); !errors.Is(err, ErrModelNotSet) {
		t.Errorf("Count: %v", err)
	}
}

func TestValuesTravelAsBoundParameters(t *testing.T) {
	s := newUserSession(t)
	evil := "Robert'); DROP TABLE users;--"
	if _, err := s.Insert(&User{evil, 10}); err != nil {
		t.Fatal(err)
	}
	var u User
	if err := s.Where("Name = ?", evil).First(&u); err != nil || u.Name != evil {
		t.Fatalf("First(evil) = %+v, %v", u, err)
	}
	if _, err := s.Where("Name = ?", evil).Update("Name", evil+"!"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Where("Name = ?", evil+"!").Count(); err != nil || n != 1 {
		t.Fatalf("Count(updated evil) = %d, %v; want 1", n, err)
	}
	if !s.HasTable() {
		t.Fatal("the User table is gone")
	}
}

func TestChainWithQuotesInTableName(t *testing.T) {
	s := newTestSession(t).Model(&Quoted{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&Quoted{1, "a"}, &Quoted{2, "b"}, &Quoted{3, "c"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Where("ID > ?", 1).Update("Label", `"x"`); err != nil || n != 2 {
		t.Fatalf("Update = %d, %v; want 2", n, err)
	}
	if n, err := s.Where("Label = ?", `"x"`).Count(); err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want 2", n, err)
	}
	var q Quoted
	if err := s.OrderBy("ID DESC").First(&q); err != nil || q != (Quoted{3, `"x"`}) {
		t.Fatalf("First = %+v, %v", q, err)
	}
	if n, err := s.Where("ID = ?", 1).Delete(); err != nil || n != 1 {
		t.Fatalf("Delete = %d, %v; want 1", n, err)
	}
	if n, err := s.Count(); err != nil || n != 2 {
		t.Fatalf("Count after Delete = %d, %v; want 2", n, err)
	}
}

// Update and Delete cannot honour Limit or OrderBy in SQLite; ignoring them
// would change every matching row where the caller asked for a few.
func TestUpdateAndDeleteRefuseLimitAndOrderBy(t *testing.T) {
	s := newUserSession(t)
	if n, err := s.Where("Age > ?", 0).Limit(1).Delete(); err == nil || !strings.Contains(err.Error(), "delete takes no Limit") || n != 0 {
		t.Fatalf("Limit(1).Delete() = %d, %v; want 0 and an error", n, err)
	}
	if n, err := s.Where("Age > ?", 0).Offset(1).Delete(); err == nil || !strings.Contains(err.Error(), "delete takes no Limit, Offset") || n != 0 {
		t.Fatalf("Limit(1).Delete() = %d, %v; want 0 and an error", n, err)
	}
	if n, err := s.Where("Age > ?", 0).OrderBy("Age").Update("Age", 1); err == nil || !strings.Contains(err.Error(), "update takes no Limit, Offset or OrderBy") || n != 0 {
		t.Fatalf("OrderBy.Update = %d, %v; want 0 and an error", n, err)
	}
	// Nothing changed, and the refused clauses did not stick to the session.
	var users []User
	if err := s.OrderBy("Name").Find(&users); err != nil || len(users) != 3 {
		t.Fatalf("after refused calls: %+v, %v; want all three rows", users, err)
	}
	if users[0] != (User{"Kate", 30}) || users[1] != (User{"Sam", 25}) || users[2] != (User{"Tom", 18}) {
		t.Fatalf("after refused calls: %+v", users)
	}
	if n, err := s.Where("Name = ?", "Tom").Delete(); err != nil || n != 1 {
		t.Fatalf("Delete after the refused calls = %d, %v; want 1", n, err)
	}
}

// The well-known version ran an Update or Delete without a Where on every
// row; gorm refuses it (ErrMissingWhereClause), and so does geeorm.
// Where("1 = 1") says every row is meant.
func TestUpdateAndDeleteWithoutWhereAreRefused(t *testing.T) {
	s := newUserSession(t)
	if n, err := s.Update("Age", 1); !errors.Is(err, ErrMissingWhereClause) || n != 0 {
		t.Fatalf("Update without Where = %d, %v; want 0 and ErrMissingWhereClause", n, err)
	}
	if n, err := s.Delete(); !errors.Is(err, ErrMissingWhereClause) || n != 0 {
		t.Fatalf("Delete without Where = %d, %v; want 0 and ErrMissingWhereClause", n, err)
	}
	if n, err := s.Where("Age < ?", 0).Count(); err != nil || n != 0 {
		t.Fatalf("after refused calls Count(Age < 0) = %d, %v; want 0 (nothing changed)", n, err)
	}
	if n, err := s.Where("1 = 1").Update("Age", 1); err != nil || n != 3 {
		t.Fatalf(`Where("1 = 1").Update = %d, %v; want 3`, n, err)
	}
	if n, err := s.Where("1 = 1").Delete(); err != nil || n != 3 {
		t.Fatalf(`Where("1 = 1").Delete = %d, %v; want 3`, n, err)
	}
}

// The well-known version had no Offset, so no pagination. SQLite takes an
// OFFSET only after a LIMIT; without Limit, Offset sets LIMIT -1 (none).
func TestOffsetSkipsRowsWithOrWithoutLimit(t *testing.T) {
	s := newUserSession(t)
	tests := []struct {
		name  string
		chain func() *Session
		want  string
	}{
		{"offset alone", func() *Session { return s.OrderBy("Age").Offset(1) }, "Sam,Kate"},
		{"limit then offset", func() *Session { return s.OrderBy("Age").Limit(1).Offset(1) }, "Sam"},
		{"offset then limit", func() *Session { return s.OrderBy("Age").Offset(1).Limit(1) }, "Sam"},
		{"offset past the end", func() *Session { return s.Offset(3) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var users []User
			if err := tt.chain().Find(&users); err != nil || names(users) != tt.want {
				t.Fatalf("Find = %q, %v; want %q", names(users), err, tt.want)
			}
		})
	}
	var u User
	if err := s.OrderBy("Age").Offset(2).First(&u); err != nil || u.Name != "Kate" {
		t.Fatalf("Offset(2).First = %+v, %v; want Kate", u, err)
	}
}

// Update refuses what Insert refuses: values SQLite would not give back.
func TestUpdateRefusesValuesSQLiteWouldChange(t *testing.T) {
	s := newRecordSession(t)
	if _, err := s.Insert(&Record{ID: 1, Score: 1.5}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Where("ID = ?", 1).Update("Score", math.NaN()); err == nil || !strings.Contains(err.Error(), "Record.Score: NaN") {
		t.Fatalf("Update to NaN = %v, want an error naming Record.Score", err)
	}
	if _, err := s.Where("ID = ?", 1).Update(map[string]any{"Small": uint64(1 << 63)}); err == nil || !strings.Contains(err.Error(), "Record.Small: 9223372036854775808 does not fit") {
		t.Fatalf("Update to 1<<63 = %v, want an error naming Record.Small", err)
	}
	var r Record
	if err := s.Where("ID = ?", 1).First(&r); err != nil || r.Score != 1.5 || r.Small != 0 {
		t.Fatalf("after refused updates: %+v, %v", r, err)
	}
}

// Where takes SQL as written: a double-quoted name that does not resolve
// is read by SQLite as a string, so Where("\"Nmae\" <> ?") is true for
// every row (it deleted every row in the well-known version). A name
// qualified with its table, or left unquoted, is an error instead; the
// chapter's page has this as a pitfall.
func TestWhereWithAQuotedTypoComparesAString(t *testing.T) {
	s := newUserSession(t)
	if n, err := s.Where(`"Nmae" <> ?`, "Tom").Count(); err != nil || n != 3 {
		t.Fatalf(`Count("Nmae" <> Tom) = %d, %v; SQLite compares the string 'Nmae': want 3`, n, err)
	}
	for _, where := range []string{`"User"."Nmae" <> ?`, `Nmae <> ?`} {
		if n, err := s.Where(where, "Tom").Delete(); err == nil || !strings.Contains(err.Error(), "no such column") || n != 0 {
			t.Fatalf("Delete where %s = %d, %v; want no such column", where, n, err)
		}
	}
	if n, err := s.Count(); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3", n, err)
	}
}
