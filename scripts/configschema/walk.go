package main

import (
	"encoding"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

const optionalPkg = "go.opentelemetry.io/collector/config/configoptional"

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// walker turns a config type into a JSON-schema-shaped node, reading field docs from the
// sources of the module's own packages.
type walker struct {
	root         string
	docs         map[string]map[string]map[string]string // package path → type → field → doc
	undocumented []string
	visiting     map[reflect.Type]bool
}

func newWalker(root string) *walker {
	return &walker{root: root, docs: map[string]map[string]map[string]string{}, visiting: map[reflect.Type]bool{}}
}

func (w *walker) schema(title string, cfg any) *node {
	n := &node{}
	n.set("$schema", "https://json-schema.org/draft/2020-12/schema")
	n.set("title", title)
	n.merge(w.value(reflect.TypeOf(cfg), reflect.ValueOf(cfg)))
	return n
}

// value describes a value of type t; v is its default (possibly invalid: no default).
func (w *walker) value(t reflect.Type, v reflect.Value) *node {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		if v.IsValid() && !v.IsNil() {
			v = v.Elem()
		} else {
			v = reflect.Value{}
		}
	}
	n := &node{}
	switch {
	case t == reflect.TypeFor[time.Duration]() || (t.Name() == "Duration" && t.Kind() == reflect.Int64):
		n.set("type", "string")
		n.set("format", "duration")
		if v.IsValid() && v.Int() != 0 {
			n.set("default", time.Duration(v.Int()).String())
		}
		return n
	case t.PkgPath() == optionalPkg:
		get, _ := reflect.PointerTo(t).MethodByName("Get") // Optional[T].Get returns *T
		inner := get.Type.Out(0)
		n.merge(w.value(inner, reflect.Value{}))
		n.set("x-optional", "the section is on when present; `enabled: false` turns it off")
		return n
	case reflect.PointerTo(t).Implements(textUnmarshaler): // component.ID and the like
		n.set("type", "string")
		return n
	}
	switch t.Kind() {
	case reflect.Struct:
		w.object(n, t, v)
	case reflect.Map:
		n.set("type", "object")
		n.set("additionalProperties", w.value(t.Elem(), reflect.Value{}))
	case reflect.Slice, reflect.Array:
		n.set("type", "array")
		n.set("items", w.value(t.Elem(), reflect.Value{}))
		if v.IsValid() && v.Len() > 0 && isScalar(t.Elem().Kind()) {
			var def []any
			for i := 0; i < v.Len(); i++ {
				def = append(def, v.Index(i).Interface())
			}
			n.set("default", def)
		}
	case reflect.Bool:
		n.set("type", "boolean")
		if v.IsValid() && v.Bool() {
			n.set("default", true)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n.set("type", "integer")
		if v.IsValid() && !v.IsZero() {
			n.set("default", v.Interface())
		}
	case reflect.Float32, reflect.Float64:
		n.set("type", "number")
		if v.IsValid() && v.Float() != 0 {
			n.set("default", v.Float())
		}
	case reflect.String:
		n.set("type", "string")
		if v.IsValid() && v.String() != "" {
			n.set("default", v.String())
		}
	default:
		n.set("type", "object")
	}
	return n
}

func isScalar(k reflect.Kind) bool {
	return k == reflect.String || k == reflect.Bool || (k >= reflect.Int && k <= reflect.Float64)
}

// object fills n with the properties of struct t. A type from outside the module is named, not
// described: its own package documents it.
func (w *walker) object(n *node, t reflect.Type, v reflect.Value) {
	n.set("type", "object")
	if !strings.HasPrefix(t.PkgPath(), modulePath) {
		n.set("x-go-type", t.PkgPath()+"."+t.Name())
		return
	}
	if w.visiting[t] {
		return
	}
	w.visiting[t] = true
	defer delete(w.visiting, t)
	props := n.child("properties")
	w.fields(n, props, t, v)
}

func (w *walker) fields(n, props *node, t reflect.Type, v reflect.Value) {
	docs := w.typeDocs(t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("mapstructure")
		if !ok || !f.IsExported() || tag == "-" {
			continue
		}
		var fv reflect.Value
		if v.IsValid() {
			fv = v.Field(i)
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "squash") {
			ft := f.Type
			if strings.HasPrefix(ft.PkgPath(), modulePath) {
				w.fields(n, props, ft, fv)
			} else {
				n.append("x-inline", ft.PkgPath()+"."+ft.Name())
			}
			continue
		}
		doc := docs[f.Name]
		if doc == "" {
			w.undocumented = append(w.undocumented, t.PkgPath()+"."+t.Name()+"."+f.Name+" ("+name+")")
		}
		p := &node{}
		if doc != "" {
			p.set("description", doc)
		}
		p.merge(w.value(f.Type, fv))
		props.set(name, p)
	}
}

// typeDocs returns the doc comment of each field of t, read from its package's sources.
func (w *walker) typeDocs(t reflect.Type) map[string]string {
	pkg := t.PkgPath()
	if w.docs[pkg] == nil {
		w.docs[pkg] = parseDocs(filepath.Join(w.root, strings.TrimPrefix(pkg, modulePath)))
	}
	return w.docs[pkg][t.Name()]
}

func parseDocs(dir string) map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, _ := os.ReadDir(dir)
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			continue
		}
		ast.Inspect(f, func(nd ast.Node) bool {
			ts, ok := nd.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			fields := map[string]string{}
			for _, fl := range st.Fields.List {
				doc := strings.TrimSpace(strings.Join(strings.Fields(fl.Doc.Text()), " "))
				if doc == "" {
					doc = strings.TrimSpace(strings.Join(strings.Fields(fl.Comment.Text()), " "))
				}
				for _, name := range fl.Names {
					fields[name.Name] = doc
				}
			}
			out[ts.Name.Name] = fields
			return true
		})
	}
	return out
}

// node is an ordered mapping, so the schema lists keys in declaration order.
type node struct {
	keys []string
	vals map[string]any
}

func (n *node) set(k string, v any) {
	if n.vals == nil {
		n.vals = map[string]any{}
	}
	if _, ok := n.vals[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.vals[k] = v
}

func (n *node) append(k, v string) {
	list, _ := n.vals[k].([]any)
	n.set(k, append(list, v))
}

func (n *node) child(k string) *node {
	if c, ok := n.vals[k].(*node); ok {
		return c
	}
	c := &node{}
	n.set(k, c)
	return c
}

func (n *node) merge(o *node) {
	for _, k := range o.keys {
		n.set(k, o.vals[k])
	}
}

func (n *node) yaml() *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range n.keys {
		var v yaml.Node
		switch val := n.vals[k].(type) {
		case *node:
			v = *val.yaml()
		default:
			_ = v.Encode(val)
		}
		out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &v)
	}
	return out
}
