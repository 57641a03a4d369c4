module example.com/app

go 1.23

require rsc.io/quote v1.5.2
