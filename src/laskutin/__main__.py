from laskutin.cli import main

main()
