// Package schema maps a Go struct to a database table by reflection: the
// struct names the table, each exported field a column.
package schema

import (
	"errors"
	"fmt"
	"reflect"

	"gee-orm/day5-hooks/geeorm/dialect"
)

// Field is one column: the Go field's name, its column type in the
// dialect, and the constraints of its tag, as in `geeorm:"PRIMARY KEY"`.
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
	// Err says why the struct cannot be mapped; nil when it can.
	Err      error
	fieldMap map[string]*Field
}

// Tabler is implemented by models that choose their own table name.
type Tabler interface {
	TableName() string
}

// GetField returns the column named name, or nil.
func (schema *Schema) GetField(name string) *Field {
	return schema.fieldMap[name]
}

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

// Parse maps dest, a struct or a pointer to one, to its table in dialect
// d. Exported fields become columns, except those tagged `geeorm:"-"`;
// unexported and embedded fields are skipped. A model that cannot be
// mapped comes back with Err set, never a panic.
func Parse(dest any, d dialect.Dialect) *Schema {
	schema := &Schema{Model: dest, fieldMap: make(map[string]*Field)}
	modelType := reflect.TypeOf(dest)
	for modelType != nil && modelType.Kind() == reflect.Pointer {
		modelType = modelType.Elem()
	}
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

	var errs []error
	for i := 0; i < modelType.NumField(); i++ {
		p := modelType.Field(i)
		tag := p.Tag.Get("geeorm")
		if p.Anonymous || !p.IsExported() || tag == "-" {
			continue
		}
		field := &Field{Name: p.Name, Type: d.DataTypeOf(reflect.New(p.Type).Elem()), Tag: tag, index: i}
		if field.Type == "" {
			errs = append(errs, fmt.Errorf("schema: field %s.%s has type %s, which the dialect cannot store", modelType.Name(), p.Name, p.Type))
			continue
		}
		schema.Fields = append(schema.Fields, field)
		schema.FieldNames = append(schema.FieldNames, field.Name)
		schema.fieldMap[field.Name] = field
	}
	if len(errs) == 0 && len(schema.Fields) == 0 {
		errs = append(errs, fmt.Errorf("schema: model %s has no exported fields to store", modelType))
	}
	schema.Err = errors.Join(errs...)
	return schema
}
