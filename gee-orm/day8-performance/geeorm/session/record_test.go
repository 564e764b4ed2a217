package session

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Record has a column of every kind the sqlite3 dialect stores.
type Record struct {
	ID      int64 `geeorm:"PRIMARY KEY"`
	Name    string
	Active  bool
	Score   float64
	Small   uint16
	Payload []byte
	Born    time.Time
}

func newRecordSession(t *testing.T) *Session {
	t.Helper()
	s := newTestSession(t).Model(&Record{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInsertAndFindEveryKind(t *testing.T) {
	s := newRecordSession(t)
	born := time.Date(1990, 5, 17, 8, 30, 0, 0, time.UTC)
	want := []Record{
		{ID: 1, Name: "Tom", Active: true, Score: 9.5, Small: 7, Payload: []byte{0, 1, 2}, Born: born},
		{ID: 2, Name: "Sam", Born: born.AddDate(1, 0, 0)},
	}
	// A struct and a pointer to the same struct are one model.
	n, err := s.Insert(&want[0], want[1])
	if err != nil || n != 2 {
		t.Fatalf("Insert = %d, %v; want 2, nil", n, err)
	}
	var got []Record
	if err := s.Find(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("found %d records, want 2", len(got))
	}
	for i := range want {
		if !got[i].Born.Equal(want[i].Born) {
			t.Errorf("record %d Born = %v, want %v", i, got[i].Born, want[i].Born)
		}
		got[i].Born, want[i].Born = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Find = %+v\nwant  %+v", got, want)
	}
}

func TestInsertIsOneStatement(t *testing.T) {
	buf := captureLog(t)
	s := newRecordSession(t)
	if _, err := s.Insert(&Record{ID: 1}, &Record{ID: 2}, &Record{ID: 3}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "INSERT INTO"); got != 1 {
		t.Fatalf("%d INSERT statements for three records, want 1:\n%s", got, buf)
	}
	if !strings.Contains(buf.String(), `INSERT INTO "Record" ("ID", "Name", "Active", "Score", "Small", "Payload", "Born") VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`) {
		t.Fatalf("unexpected INSERT:\n%s", buf)
	}
}

func TestFindReplacesSliceContents(t *testing.T) {
	s := newRecordSession(t)
	if _, err := s.Insert(&Record{ID: 1, Name: "Tom"}); err != nil {
		t.Fatal(err)
	}
	got := []Record{{ID: 99, Name: "stale"}}
	if err := s.Find(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "Tom" {
		t.Fatalf("Find = %+v, want just Tom", got)
	}
}

func TestInsertAndFindErrors(t *testing.T) {
	s := newRecordSession(t)
	var ints []int
	var records []Record
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"insert nothing", func() error { _, err := s.Insert(); return err }, "needs at least one record"},
		{"insert nil record", func() error { _, err := s.Insert((*Record)(nil)); return err }, "insert of a nil *session.Record"},
		{"insert pointer to pointer", func() error { r := &Record{ID: 8}; _, err := s.Insert(&r); return err }, "not **session.Record"},
		{"insert mixed models", func() error { _, err := s.Insert(&Record{ID: 5}, &User{Name: "x"}); return err }, "mixed models Record and User"},
		{"insert unstorable", func() error { _, err := s.Insert(&Unstorable{}); return err }, "Unstorable.Props"},
		{"insert duplicate key", func() error { _, err := s.Insert(&Record{ID: 7}, &Record{ID: 7}); return err }, "UNIQUE constraint failed"},
		{"find into slice", func() error { return s.Find(records) }, "pointer to a slice of structs, not []session.Record"},
		{"find into ints", func() error { return s.Find(&ints) }, "not *[]int"},
		{"find into nil", func() error { return s.Find(nil) }, "not <nil>"},
		{"find missing table", func() error { var u []User; return s.Find(&u) }, "no such table: User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if err := s.Model(&Record{}).Find(&records); err != nil || len(records) != 0 {
		t.Fatalf("after failed inserts the table holds %v (%v), want nothing", records, err)
	}
}

// The well-known version returned on a Scan error without closing the
// rows, so the connection never went back to the pool.
func TestFindClosesRowsOnScanError(t *testing.T) {
	s := newRecordSession(t)
	if _, err := s.Raw(`INSERT INTO "Record" VALUES (1, 'Tom', 0, 'not a number', 0, x'00', '2000-01-01 00:00:00')`).Exec(); err != nil {
		t.Fatal(err)
	}
	var got []Record
	err := s.Find(&got)
	if err == nil || !strings.Contains(err.Error(), "converting") {
		t.Fatalf("Find over a bad Score: err = %v, want a conversion error", err)
	}
	if inUse := s.db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections still in use after the failed Find, want 0", inUse)
	}
}

// A NULL cannot be scanned into a plain field: Find fails with an error
// that names the column, leaves the slice alone and closes its rows.
func TestFindNullColumnIsAnErrorNamingTheColumn(t *testing.T) {
	s := newRecordSession(t)
	if _, err := s.Raw(`INSERT INTO "Record" ("ID") VALUES (1)`).Exec(); err != nil {
		t.Fatal(err)
	}
	got := []Record{{ID: 99}}
	err := s.Find(&got)
	if err == nil || !strings.Contains(err.Error(), `session: find Record`) ||
		!strings.Contains(err.Error(), `name "Name"`) || !strings.Contains(err.Error(), "NULL") {
		t.Fatalf("Find over a NULL Name: err = %v, want one naming the column and NULL", err)
	}
	if len(got) != 1 || got[0].ID != 99 {
		t.Fatalf("failed Find changed the slice to %+v", got)
	}
	if inUse := s.db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections still in use after the failed Find, want 0", inUse)
	}
}

func TestInsertAndFindWithQuotesInTableName(t *testing.T) {
	s := newTestSession(t).Model(&Quoted{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&Quoted{1, `say "hi"`}, &Quoted{2, "bye"}); err != nil {
		t.Fatal(err)
	}
	var got []Quoted
	if err := s.Find(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (Quoted{1, `say "hi"`}) || got[1] != (Quoted{2, "bye"}) {
		t.Fatalf("Find = %+v", got)
	}
}
