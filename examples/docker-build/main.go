// A stand-in for your program: the Dockerfile beside it is the point of this example.
package main

func main() {}
