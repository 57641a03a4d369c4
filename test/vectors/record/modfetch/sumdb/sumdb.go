// Package sumdb stands in for golang.org/x/mod/sumdb in the code copied out of cmd/go (dbDial ends by
// making a client from its dbClient): the recorder reads back what dbDial decided from the client's ops.
package sumdb

// Client holds the ops dbDial built.
type Client struct{ Ops any }

// NewClient is sumdb.NewClient without the client.
func NewClient(ops any) *Client { return &Client{Ops: ops} }
