package quipsim

func (s *Server) tokenPageRoutes() {}
