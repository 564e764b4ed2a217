package geerpc

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"slices"
)

const debugText = `<!DOCTYPE html>
<html>
<head><title>GeeRPC Services</title></head>
<body>
<h1>GeeRPC Services</h1>
<table border="1">
<tr><th>Service</th><th>Method</th><th>Argument</th><th>Reply</th><th>Calls</th></tr>
{{- range .}}{{$service := .Name}}{{range .Methods}}
<tr><td>{{$service}}</td><td>{{.Name}}</td><td>{{.ArgType}}</td><td>{{.ReplyType}}</td><td>{{.Calls}}</td></tr>
{{- end}}{{end}}
</table>
</body>
</html>
`

var debugTemplate = template.Must(template.New("geerpc debug").Parse(debugText))

type debugMethod struct {
	Name, ArgType, ReplyType string
	Calls                    uint64
}

type debugService struct {
	Name    string
	Methods []debugMethod
}

// debugHTTP renders the server's services, their methods and call counts.
type debugHTTP struct {
	*Server
}

// ServeHTTP renders the page for GET and HEAD.
func (server debugHTTP) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var services []debugService
	server.serviceMap.Range(func(_, svci any) bool {
		svc := svci.(*service)
		ds := debugService{Name: svc.name}
		for name, mtype := range svc.method {
			ds.Methods = append(ds.Methods, debugMethod{
				Name:      name,
				ArgType:   mtype.ArgType.String(),
				ReplyType: mtype.ReplyType.String(),
				Calls:     mtype.NumCalls(),
			})
		}
		slices.SortFunc(ds.Methods, func(a, b debugMethod) int { return cmp.Compare(a.Name, b.Name) })
		services = append(services, ds)
		return true
	})
	slices.SortFunc(services, func(a, b debugService) int { return cmp.Compare(a.Name, b.Name) })

	var page bytes.Buffer
	if err := debugTemplate.Execute(&page, services); err != nil {
		http.Error(w, "geerpc: render debug page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(page.Bytes())
}
