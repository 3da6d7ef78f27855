module github.com/groupgraph/groupgraph

go 1.26.8
