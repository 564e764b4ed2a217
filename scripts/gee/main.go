// Command gee is the chapter tool of the Gee monorepo.
package main

func main() {}
