from cartgraph.cli import main

main()
