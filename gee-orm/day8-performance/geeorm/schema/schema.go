// Package schema maps a Go struct to a database table by reflection: the
// struct names the table, each exported field a column.
package schema

import (
	"fmt"
	"reflect"
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
)

// Field is a column: name, type and the constraints of its `geeorm:"..."` tag.
type Field struct {
	Name  string
	Type  string
	Tag   string
	index int // position of the Go field in the struct
}

// Schema is the table a struct maps to.
type Schema struct {
	Model      any      // the value Parse was given
	Name       string   // table name: the struct's name or its TableName()
	Fields     []*Field // columns in struct order
	FieldNames []string // column names in struct order
	Err        error    // why the struct cannot be mapped; nil when it can
	fieldMap   map[string]*Field
	// ColumnList and SelectList are FieldNames quoted, and qualified with
	// the table, ready for the INSERT and SELECT of every session.
	ColumnList, SelectList string
}

// Tabler is implemented by models that choose their own table name.
type Tabler interface {
	TableName() string
}

// StructType is the type of value with any pointers removed.
func StructType(value any) reflect.Type {
	t := reflect.TypeOf(value)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// GetField returns the column named name, or nil.
func (schema *Schema) GetField(name string) *Field { return schema.fieldMap[name] }

// RecordValues returns dest's field values in column order; dest is a
// struct, or a pointer to one, of the parsed type.
func (schema *Schema) RecordValues(dest any) []any {
	destValue := reflect.Indirect(reflect.ValueOf(dest))
	var values []any
	for _, field := range schema.Fields {
		values = append(values, destValue.Field(field.index).Interface())
	}
	return values
}

// RecordAddrs returns pointers to dest's fields in column order, ready for
// rows.Scan; dest is a pointer to a struct of the parsed type.
func (schema *Schema) RecordAddrs(dest any) []any {
	destValue := reflect.ValueOf(dest).Elem()
	var addrs []any
	for _, field := range schema.Fields {
		addrs = append(addrs, destValue.Field(field.index).Addr().Interface())
	}
	return addrs
}

// FillAddrs puts into addrs, in column order, pointers to the fields of
// dest, an addressable struct value of the parsed type: RecordAddrs
// without an allocation per row.
func (schema *Schema) FillAddrs(addrs []any, dest reflect.Value) {
	for i, field := range schema.Fields {
		addrs[i] = dest.Field(field.index).Addr().Interface()
	}
}

// Parse maps dest, a struct or a pointer to one, to its table in dialect d:
// exported fields are columns unless tagged `geeorm:"-"`; unexported and
// embedded ones are skipped. A model it cannot map gets Err, never a panic.
func Parse(dest any, d dialect.Dialect) *Schema {
	schema := &Schema{Model: dest, fieldMap: make(map[string]*Field)}
	modelType := StructType(dest)
	if modelType == nil || modelType.Kind() != reflect.Struct {
		schema.Err = fmt.Errorf("schema: model must be a struct or a pointer to one, not %T", dest)
		return schema
	}
	schema.Name = modelType.Name()
	if tabler, ok := reflect.New(modelType).Interface().(Tabler); ok {
		schema.Name = tabler.TableName()
	}
	if schema.Name == "" {
		schema.Err = fmt.Errorf("schema: model %s has no table name; give it a TableName method", modelType)
		return schema
	}
	for i := 0; i < modelType.NumField(); i++ {
		p := modelType.Field(i)
		tag := p.Tag.Get("geeorm")
		if p.Anonymous || !p.IsExported() || tag == "-" {
			continue
		}
		field := &Field{Name: p.Name, Type: d.DataTypeOf(reflect.New(p.Type).Elem()), Tag: tag, index: i}
		if field.Type == "" {
			schema.Err = fmt.Errorf("schema: field %s.%s has type %s, which the dialect cannot store", modelType.Name(), p.Name, p.Type)
			return schema
		}
		schema.Fields = append(schema.Fields, field)
		schema.FieldNames = append(schema.FieldNames, field.Name)
		schema.fieldMap[field.Name] = field
	}
	if len(schema.Fields) == 0 {
		schema.Err = fmt.Errorf("schema: model %s has no exported fields to store", modelType)
	}
	schema.ColumnList = quoteAll(schema.FieldNames, "")
	schema.SelectList = quoteAll(schema.FieldNames, dialect.Quote(schema.Name)+".")
	return schema
}

// quoteAll quotes each name, after prefix, and joins them with commas.
func quoteAll(names []string, prefix string) string {
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		dialect.QuoteTo(&b, name)
	}
	return b.String()
}
