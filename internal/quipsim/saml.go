package quipsim

func (s *Server) samlRoutes() {}
