from services.cli.commands import main

main()
