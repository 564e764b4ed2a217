// Package codec defines how geerpc frames travel on a connection: every
// request and every response is a Header followed by a body, both encoded
// with the codec the client chose in its Option.
package codec

import (
	"io"
)

// Header is the first half of every frame.
type Header struct {
	ServiceMethod string // "Service.Method"
	Seq           uint64 // chosen by the client, echoed by the server
	Error         string // set by the server when the call failed
}

// Codec reads and writes frames on one connection. ReadHeader and ReadBody
// are called by one goroutine; Write and Flush must be serialised by the
// caller.
type Codec interface {
	io.Closer
	ReadHeader(*Header) error
	// ReadBody decodes the body into v, a pointer. With v == nil the body
	// is read and discarded. The body is consumed even when v cannot hold
	// it, which keeps the stream in step.
	ReadBody(v any) error
	// Write encodes one header and one body into the write buffer. Frames
	// written in a row leave together at the next Flush.
	Write(h *Header, body any) error
	// Flush sends the buffered frames. If they cannot be sent, the
	// connection is closed.
	Flush() error
}

// NewCodecFunc builds a Codec on top of a connection.
type NewCodecFunc func(io.ReadWriteCloser) Codec

// Type names a codec; it travels in the Option as a MIME type.
type Type string

// The codecs geerpc ships.
const (
	GobType  Type = "application/gob"
	JsonType Type = "application/json"
)

// NewCodecFuncMap maps each codec Type to its constructor.
var NewCodecFuncMap = map[Type]NewCodecFunc{
	GobType:  NewGobCodec,
	JsonType: NewJsonCodec,
}

// bufferSize is the size of each connection's read and write buffers.
const bufferSize = 32 << 10
