package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// eachField calls visit for every key of s and below it, with its path;
// the function and stage schemas are visited once.
func eachField(s *schema, path string, seen map[*schema]bool, visit func(path string, f field)) {
	if seen[s] {
		return
	}
	seen[s] = true
	for _, f := range s.fields {
		visit(join(path, f.key), f)
		eachField(f.schema, join(path, f.key), seen, visit)
	}
	if s.elem != nil {
		eachField(s.elem, path+".*", seen, visit)
	}
}

func TestSchemaDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	n := 0
	eachField(fileSc, "", map[*schema]bool{}, func(path string, f field) {
		n++
		if strings.TrimSpace(f.doc) == "" {
			t.Errorf("%s has no doc tag (or sectionDocs entry)", path)
		}
	})
	if n < 60 {
		t.Errorf("visited %d keys; lamb.yaml has more than 60", n)
	}
}

// TestSchemaDefaultsAreWhatLambUses compares every default= tag with what
// the loader puts in an otherwise empty function.
func TestSchemaDefaultsAreWhatLambUses(t *testing.T) {
	t.Parallel()
	f := fn(t, mustLoad(t, "functions:\n  api:\n    functionUrl: {}\n    permissions: [{principal: sns.amazonaws.com}]\n    deploy: {gate: {}}\n", LoadOptions{}), "api")
	checked := 0
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct && v.Len() > 0 {
			// A list's items share one schema: the first stands for all.
			v = v.Index(0)
		}
		if v.Kind() != reflect.Struct {
			return
		}
		for i := range v.NumField() {
			opts := strings.Split(v.Type().Field(i).Tag.Get("lamb"), ",")
			p := join(path, opts[0])
			for _, o := range opts[1:] {
				if def, ok := strings.CutPrefix(o, "default="); ok {
					checked++
					if got := fmt.Sprint(v.Field(i).Interface()); got != def {
						t.Errorf("%s: tag says default %q, lamb uses %q", p, def, got)
					}
				}
			}
			walk(v.Field(i), p)
		}
	}
	walk(reflect.ValueOf(f), "functions.api")

	want := 0
	eachField(functionSc, "", map[*schema]bool{}, func(_ string, f field) {
		if f.schema.def != "" {
			want++
		}
	})
	if checked != want || want < 8 {
		t.Errorf("checked %d defaults, the schema has %d (want at least 8)", checked, want)
	}
}

func TestSchemaTagMistakesPanic(t *testing.T) {
	t.Parallel()
	type noTag struct{ A string }
	type intWithoutUnit struct {
		A int `lamb:"a"`
	}
	type unknownOption struct {
		A string `lamb:"a,big"`
	}
	type unitOnText struct {
		A string `lamb:"a,mb"`
	}
	type enumOnNumber struct {
		A int `lamb:"a,count,enum=1|2"`
	}
	type noShape struct {
		A float64 `lamb:"a"`
	}
	type percentOnFloat struct {
		A float64 `lamb:"a,percent"`
	}
	type strategyOnList struct {
		A []string `lamb:"a,strategy"`
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[noTag](), reflect.TypeFor[intWithoutUnit](), reflect.TypeFor[unknownOption](),
		reflect.TypeFor[unitOnText](), reflect.TypeFor[enumOnNumber](), reflect.TypeFor[noShape](),
		reflect.TypeFor[percentOnFloat](), reflect.TypeFor[strategyOnList](),
	} {
		t.Run(typ.Name(), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("fieldsOf accepted the type")
				}
			}()
			fieldsOf(typ)
		})
	}

	fields := []field{{key: "a"}, {key: "b"}}
	for _, keys := range [][]string{{"a"}, {"a", "b", "c"}, {"a", "a"}, {"b", "x"}} {
		t.Run("keyOrder "+strings.Join(keys, ","), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("ordered accepted the list")
				}
			}()
			ordered("probe", fields, keys)
		})
	}
	if got := ordered("probe", fields, []string{"b", "a"}); got[0].key != "b" || got[1].key != "a" {
		t.Errorf("ordered = %v, want b before a", got)
	}
}
