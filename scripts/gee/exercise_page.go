package main

import (
	"regexp"
	"sort"
	"strings"
)

// An exPara is one prose paragraph of a doc page (fenced code is left out: it may hold the
// very code the reader is asked to write).
type exPara struct {
	Heading string // the nearest heading above it
	Text    string
	Pos     int // its rank in the page, for ordering
}

var exListItem = regexp.MustCompile(`^\s*([-*+]|[0-9]+\.)\s`)

// exPageParas splits a Markdown page into paragraphs and list items.
func exPageParas(page string) []exPara {
	var paras []exPara
	var cur []string
	heading, fence := "", ""
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, exPara{Heading: heading, Text: strings.Join(cur, "\n"), Pos: len(paras)})
			cur = nil
		}
	}
	for _, line := range strings.Split(page, "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			flush()
			fence = trimmed[:3]
		case strings.HasPrefix(trimmed, "#"):
			flush()
			heading = strings.TrimSpace(strings.TrimLeft(trimmed, "#"))
		case trimmed == "":
			flush()
		case exListItem.MatchString(line):
			flush()
			cur = append(cur, line)
		default:
			cur = append(cur, line)
		}
	}
	flush()
	return paras
}

// exPageSection returns the body of the level-2 section whose title starts with title
// (case-insensitive), without its heading; "" if the page has none.
func exPageSection(page, title string) string {
	lines := strings.Split(page, "\n")
	var out []string
	in, fence := false, false
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
		}
		if !fence && (strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "# ")) {
			if in {
				break
			}
			in = strings.HasPrefix(strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#"))), strings.ToLower(title))
			continue
		}
		if in {
			out = append(out, line)
		}
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

var exCodeSpan = regexp.MustCompile("`[^`\n]+`")

// exMentions returns how a paragraph mentions f: strong when it names the function fully
// (`node.insert`, `(*node).insert`, `lru.New`, or a plain function's name in code), weak when
// it only names a method by its bare name in code (`insert`, `c.JSON(...)`).
func exMentions(text string, f exFunc) (strong, weak bool) {
	name := regexp.QuoteMeta(f.Name)
	var strongRe, weakRe *regexp.Regexp
	if f.Recv != "" {
		strongRe = regexp.MustCompile(`\b` + regexp.QuoteMeta(f.Recv) + `(\[[^\]]*\])?\)?\.` + name + `\b`)
		weakRe = regexp.MustCompile(`(^` + "`" + `|\.)` + name + `\b`)
	} else {
		strongRe = regexp.MustCompile(`\b` + regexp.QuoteMeta(f.Pkg) + `\.` + name + `\b`)
		weakRe = regexp.MustCompile(`(^` + "`" + `|[^\w.])` + name + `\b`)
	}
	if strongRe.MatchString(text) {
		return true, false
	}
	for _, span := range exCodeSpan.FindAllString(text, -1) {
		if f.Recv == "" && weakRe.MatchString(span) {
			return true, false // a plain function named in code is named fully
		}
		if f.Recv != "" && weakRe.MatchString(span) {
			weak = true
		}
	}
	return false, weak
}

// exHintParas returns the paragraphs of the page that mention f: the strong mentions, or the
// weak ones when there is no strong one, or else those about the exercise's topic.
func exHintParas(page string, f exFunc, topic []string) []exPara {
	var strong, weak []exPara
	for _, p := range exPageParas(page) {
		s, w := exMentions(p.Text, f)
		switch {
		case s:
			strong = append(strong, p)
		case w:
			weak = append(weak, p)
		}
	}
	if len(strong) > 0 {
		return strong
	}
	if len(weak) > 0 {
		return weak
	}
	return exTopicParas(page, topic)
}

// exTopicParas returns the paragraphs naming any of the topic's terms (case-insensitive,
// whole words); of a table, only the header and the rows that name one.
func exTopicParas(page string, topic []string) []exPara {
	if len(topic) == 0 {
		return nil
	}
	quoted := make([]string, len(topic))
	for i, t := range topic {
		quoted[i] = regexp.QuoteMeta(t)
	}
	re := regexp.MustCompile(`(?i)\b(` + strings.Join(quoted, "|") + `)\b`)
	var out []exPara
	for _, p := range exPageParas(page) {
		if !re.MatchString(p.Text) {
			continue
		}
		var kept []string
		rows := 0
		for _, l := range strings.Split(p.Text, "\n") {
			t := strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(t, "<!--"):
			case !strings.HasPrefix(t, "|"):
				kept = append(kept, l)
			case rows < 2 || re.MatchString(l): // a table's header and separator, then matching rows
				kept = append(kept, l)
				rows++
			default:
				rows++
			}
		}
		p.Text = strings.Join(kept, "\n")
		out = append(out, p)
	}
	return out
}

// exPageOrder sorts funcs in the order the page first explains them: init functions first
// (every test waits for them), then by the first strong mention (the first weak one for a
// function the page never names fully), then the unmentioned ones in file order.
func exPageOrder(page string, funcs []exFunc) {
	exFileOrder(funcs)
	// The "Take it as an exercise" section lists the functions as a summary: it decides only
	// the place of a function that the rest of the page does not mention.
	var paras []exPara
	for _, p := range exPageParas(page) {
		if strings.HasPrefix(strings.ToLower(p.Heading), "take it as an exercise") {
			p.Pos += 1 << 20
		}
		paras = append(paras, p)
	}
	sort.SliceStable(paras, func(i, j int) bool { return paras[i].Pos < paras[j].Pos })
	const never = 1 << 30
	rank := make(map[string]int, len(funcs))
	for _, f := range funcs {
		strongAt, weakAt := never, never
		for _, p := range paras {
			s, w := exMentions(p.Text, f)
			if s && strongAt == never {
				strongAt = p.Pos
			}
			if w && weakAt == never {
				weakAt = p.Pos
			}
		}
		r := 2*never + 1
		switch {
		case f.Recv == "" && f.Name == "init":
			r = -1
		case strongAt < 1<<20 || strongAt != never && weakAt >= 1<<20:
			r = strongAt
		case weakAt != never:
			r = weakAt
		}
		rank[f.ID] = r
	}
	sort.SliceStable(funcs, func(i, j int) bool { return rank[funcs[i].ID] < rank[funcs[j].ID] })
}
