"""Views of the graph and the pages that show them: the graph page and the career explorer."""
