package main

func runBench(e *env, args []string) error { return usagef("bench: not yet") }
