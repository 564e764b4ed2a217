package schema

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"gee-orm/day8-performance/geeorm/dialect"
)

type User struct {
	Name     string `geeorm:"PRIMARY KEY"`
	Age      int
	Password string `geeorm:"-"`
	Born     time.Time
	Avatar   []byte
	secret   string
}

var testDial, _ = dialect.GetDialect("sqlite3")

func TestParse(t *testing.T) {
	schema := Parse(&User{}, testDial)
	if schema.Err != nil {
		t.Fatal(schema.Err)
	}
	if schema.Name != "User" {
		t.Errorf("Name = %q, want User", schema.Name)
	}
	if got, want := schema.FieldNames, []string{"Name", "Age", "Born", "Avatar"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FieldNames = %v, want %v (Password is tagged -, secret unexported)", got, want)
	}
	wantFields := []Field{
		{Name: "Name", Type: "text", Tag: "PRIMARY KEY"},
		{Name: "Age", Type: "integer"},
		{Name: "Born", Type: "datetime"},
		{Name: "Avatar", Type: "blob"},
	}
	for i, want := range wantFields {
		got := schema.Fields[i]
		if got.Name != want.Name || got.Type != want.Type || got.Tag != want.Tag {
			t.Errorf("field %d = %+v, want %+v", i, *got, want)
		}
		if schema.GetField(want.Name) != got {
			t.Errorf("GetField(%q) does not return field %d", want.Name, i)
		}
	}
	if schema.GetField("Password") != nil || schema.GetField("secret") != nil {
		t.Error("GetField finds a skipped field")
	}
}

func TestParseAcceptsStructValueAndNilPointer(t *testing.T) {
	for _, model := range []any{User{}, (*User)(nil)} {
		if s := Parse(model, testDial); s.Err != nil || s.Name != "User" || len(s.Fields) != 4 {
			t.Errorf("Parse(%T) = %q, %d fields, %v", model, s.Name, len(s.Fields), s.Err)
		}
	}
}

type Account struct{ ID int }

func (*Account) TableName() string { return "accounts" }

func TestParseUsesTableName(t *testing.T) {
	if s := Parse(&Account{}, testDial); s.Name != "accounts" {
		t.Fatalf("Name = %q, want accounts from TableName", s.Name)
	}
}

type WithMap struct {
	Name  string
	Props map[string]string
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		model any
		want  string
	}{
		{"unsupported field type", &WithMap{}, "field WithMap.Props has type map[string]string"},
		{"nil model", nil, "model must be a struct"},
		{"not a struct", 42, "model must be a struct or a pointer to one, not int"},
		{"anonymous struct", struct{ A int }{}, "has no table name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Parse(tt.model, testDial) // must not panic
			if s.Err == nil || !strings.Contains(s.Err.Error(), tt.want) {
				t.Fatalf("Err = %v, want one containing %q", s.Err, tt.want)
			}
		})
	}
}

type Empty struct{ hidden int }

func TestParseNoColumnsIsAnError(t *testing.T) {
	if s := Parse(&Empty{}, testDial); s.Err == nil || !strings.Contains(s.Err.Error(), "no exported fields") {
		t.Fatalf("Err = %v, want no exported fields", s.Err)
	}
}

func TestRecordValues(t *testing.T) {
	born := time.Date(2000, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &User{Name: "Tom", Age: 18, Password: "x", Born: born, Avatar: []byte{1}}
	got := Parse(u, testDial).RecordValues(u)
	want := []any{"Tom", 18, born, []byte{1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("RecordValues = %v, want %v", got, want)
	}
}

func TestRecordAddrs(t *testing.T) {
	u := &User{}
	addrs := Parse(u, testDial).RecordAddrs(u)
	*addrs[0].(*string) = "Tom"
	*addrs[1].(*int) = 18
	if u.Name != "Tom" || u.Age != 18 || len(addrs) != 4 {
		t.Fatalf("after writing through RecordAddrs: %+v, %d addrs", u, len(addrs))
	}
}
