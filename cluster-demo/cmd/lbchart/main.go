// Command lbchart draws how calls spread over nodes for each balancer, from
// the JSON that cmd/balancers -json prints of a real run: an SVG of stacked
// bars, and optionally the same numbers as a Markdown table written between
// the markers <!-- lb-table:start --> and <!-- lb-table:end --> of a page.
//
//	go run ./cluster-demo/cmd/balancers -json > run.json
//	go run ./cluster-demo/cmd/lbchart -in run.json -svg spread.svg -md page.md
//
// scripts/gen-lb-chart.sh does both for docs/cluster-demo/load-balancing.md.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"time"
)

// run mirrors the JSON of cmd/balancers.
type run struct {
	CallsPerBalancer int `json:"callsPerBalancer"`
	Workers          int `json:"workers"`
	Nodes            []struct {
		Name   string        `json:"name"`
		Weight int           `json:"weight"`
		Delay  time.Duration `json:"delay"`
	} `json:"nodes"`
	Results []struct {
		Balancer string         `json:"balancer"`
		Calls    map[string]int `json:"calls"`
		Failed   int            `json:"failed"`
	} `json:"results"`
}

const (
	startMarker = "<!-- lb-table:start -->"
	endMarker   = "<!-- lb-table:end -->"
)

func main() {
	in := flag.String("in", "-", "JSON from cmd/balancers -json (- for stdin)")
	svgPath := flag.String("svg", "", "write the SVG chart here")
	mdPath := flag.String("md", "", "replace the table between the lb-table markers in this Markdown file")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: lbchart -in run.json [-svg chart.svg] [-md page.md]\n\nDraws the spread of a cmd/balancers -json run.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := generate(*in, *svgPath, *mdPath); err != nil {
		fmt.Fprintln(os.Stderr, "lbchart:", err)
		os.Exit(1)
	}
}

func generate(in, svgPath, mdPath string) error {
	if svgPath == "" && mdPath == "" {
		return errors.New("nothing to do: give -svg and/or -md")
	}
	var r io.Reader = os.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	var data run
	if err := json.NewDecoder(r).Decode(&data); err != nil {
		return fmt.Errorf("read run: %w", err)
	}
	if len(data.Nodes) == 0 || len(data.Results) == 0 || data.CallsPerBalancer < 1 {
		return errors.New("read run: no nodes or no results")
	}
	if svgPath != "" {
		if err := os.WriteFile(svgPath, svg(data), 0o644); err != nil {
			return err
		}
	}
	if mdPath != "" {
		page, err := os.ReadFile(mdPath)
		if err != nil {
			return err
		}
		updated, err := replaceTable(page, table(data))
		if err != nil {
			return fmt.Errorf("%s: %w", mdPath, err)
		}
		return os.WriteFile(mdPath, updated, 0o644)
	}
	return nil
}

var colors = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"}

func svg(d run) []byte {
	const (
		labelW = 210
		barW   = 520
		rowH   = 30
		top    = 70
	)
	height := top + rowH*len(d.Results) + 20
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="13">`+"\n", labelW+barW+20, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">Share of %d calls per node, %d concurrent callers</text>`+"\n", d.CallsPerBalancer, d.Workers)
	x := labelW
	for i, n := range d.Nodes {
		label := fmt.Sprintf("%s (weight %d", n.Name, n.Weight)
		if n.Delay > 0 {
			label += ", +" + n.Delay.String()
		}
		label += ")"
		fmt.Fprintf(&b, `<rect x="%d" y="36" width="12" height="12" fill="%s"/><text x="%d" y="47">%s</text>`+"\n", x, colors[i%len(colors)], x+16, html.EscapeString(label))
		x += 16 + 7*len(label) + 14
	}
	for row, res := range d.Results {
		y := top + row*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+17, html.EscapeString(res.Balancer))
		offset := 0.0
		for i, n := range d.Nodes {
			count := res.Calls[n.Name]
			w := float64(barW) * float64(count) / float64(d.CallsPerBalancer)
			if w <= 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %d</title></rect>`+"\n",
				float64(labelW)+offset, y+2, w, rowH-6, colors[i%len(colors)], html.EscapeString(n.Name), count)
			if w >= 30 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="white">%d</text>`+"\n", float64(labelW)+offset+w/2, y+17, count)
			}
			offset += w
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func table(d run) string {
	var b strings.Builder
	b.WriteString("| balancer |")
	for _, n := range d.Nodes {
		desc := fmt.Sprintf(" %s (w%d", n.Name, n.Weight)
		if n.Delay > 0 {
			desc += ", +" + n.Delay.String()
		}
		b.WriteString(desc + ") |")
	}
	b.WriteString(" failed |\n|---|")
	for range d.Nodes {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	for _, res := range d.Results {
		fmt.Fprintf(&b, "| `%s` |", res.Balancer)
		for _, n := range d.Nodes {
			fmt.Fprintf(&b, " %d |", res.Calls[n.Name])
		}
		fmt.Fprintf(&b, " %d |\n", res.Failed)
	}
	return b.String()
}

func replaceTable(page []byte, tbl string) ([]byte, error) {
	s := string(page)
	i := strings.Index(s, startMarker)
	j := strings.Index(s, endMarker)
	if i < 0 || j < i {
		return nil, fmt.Errorf("markers %s ... %s not found", startMarker, endMarker)
	}
	return []byte(s[:i+len(startMarker)] + "\n" + tbl + s[j:]), nil
}
